#!/usr/bin/env bash
# Stops the test cluster of provision-test-cluster.sh: the kubelet and its Pods, the control
# plane, etcd and the cluster's containerd; unmounts what the kubelet and containerd mounted;
# removes the Pods' cgroups, network rules and bridge; restores the kernel settings the kubelet
# changed (kernel.panic, kernel.panic_on_oops, vm.overcommit_memory); drops the cluster's data
# (etcd, the kubelet's directory, the claims' volumes, certificates). The built binaries and
# containerd's image store stay, so that the next start is warm. Runs as root. Idempotent.
set -uo pipefail

STATE=${AGENTCTL_TEST_STATE:-/run/agentctl-test}
K8S=$STATE/k8s
DATA=${AGENTCTL_K8S_DATA:-/var/lib/agentctl-test}
CACHE=${AGENTCTL_K8S_CACHE:-/var/cache/agentctl-test/kubernetes}
CONTAINERD_SOCK=$K8S/containerd.sock
# --connect-timeout: ctr otherwise waits 10 s for a socket that is not there.
CTR=(ctr --connect-timeout 2s -a "$CONTAINERD_SOCK" -n k8s.io)
log() { printf '[cluster] %s\n' "$*" >&2; }

[ -d "$K8S" ] || { log "no test cluster here"; exit 0; }
exec 9>"$STATE/k8s.lock"
flock 9

stop() { # NAME=PATTERN...: SIGTERM to all at once, then SIGKILL to those left after 10 s. Each by
  # its pid file and, in case that is lost, by a pattern of the command line only this cluster's
  # daemon has.
  local arg pids="" pid deadline=$((SECONDS + 10))
  for arg in "$@"; do
    pids="$pids $(cat "$K8S/${arg%%=*}.pid" 2>/dev/null) $(pgrep -f -- "${arg#*=}")"
    rm -f "$K8S/${arg%%=*}.pid"
  done
  for pid in $pids; do kill "$pid" 2>/dev/null; done
  for pid in $pids; do
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    kill -9 "$pid" 2>/dev/null
  done
}

t0=$SECONDS
log "stopping the kubelet and the control plane"
# Together: one after the other, their graceful shutdowns added up to 10 s. Neither order nor
# grace matters here: the kubelet leaves the Pods running (they are killed below), and etcd's data
# is dropped.
stop "kubelet=^$CACHE/bin/kubelet " "kube-scheduler=^$CACHE/bin/kube-scheduler " \
  "kube-controller-manager=^$CACHE/bin/kube-controller-manager " \
  "kube-apiserver=^$CACHE/bin/kube-apiserver " "etcd=^etcd .*--data-dir $DATA/etcd"

# The Pods: their processes are in the kubelet's cgroup tree (kubepods): kill them all at once,
# then have containerd delete the tasks and containers (which ends their shims and unmounts their
# root filesystems).
pod_cgroups=$(find /sys/fs/cgroup/kubepods /sys/fs/cgroup/*/kubepods -depth -type d 2>/dev/null)
for cgroup in $pod_cgroups; do # (a container's cgroup goes away as soon as its processes do)
  cat "$cgroup/cgroup.procs" 2>/dev/null
done | xargs -r kill -9 2>/dev/null
if [ -S "$CONTAINERD_SOCK" ] && "${CTR[@]}" version >/dev/null 2>&1; then
  for id in $("${CTR[@]}" tasks ls -q 2>/dev/null); do
    "${CTR[@]}" tasks delete -f "$id" >/dev/null 2>&1
  done
  for id in $("${CTR[@]}" containers ls -q 2>/dev/null); do
    "${CTR[@]}" containers delete "$id" >/dev/null 2>&1
  done
fi
stop "containerd=^containerd --config $K8S/containerd.toml"
# Shims whose tasks could not be deleted (their socket path is in their argv).
pkill -9 -f -- "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCK" 2>/dev/null
# The cgroups, once empty, deepest first.
for cgroup in $pod_cgroups; do rmdir "$cgroup" 2>/dev/null; done

# Mounts left: Secret and volume mounts of the kubelet, the Pods' root filesystems, shm and
# network namespaces of containerd. Deepest first; lazily, so that a busy one cannot stop us.
awk -v a="$DATA/" -v b="$K8S/" 'index($2, a) == 1 || index($2, b) == 1 {print $2}' /proc/mounts \
  | sort -r | while read -r mount; do
    umount -l "$mount" 2>/dev/null
  done

# Network: the bridge, the FORWARD rules for it, and the NAT rules the bridge plugin made for Pods
# that were not deleted through the kubelet. All carry "agentctl-test" in a comment.
ip link delete agentctl-k8s0 2>/dev/null
for table in nat filter; do
  iptables -t "$table" -S 2>/dev/null | grep -F -- '-A ' | grep -F -- '--comment' | grep -F 'agentctl-test' \
    | while read -r rule; do
      eval "iptables -t $table ${rule/-A /-D }" 2>/dev/null
      chain=$(sed -n 's/.* -j \(CNI-[0-9a-f]*\)$/\1/p' <<<"$rule")
      if [ -n "$chain" ]; then
        iptables -t "$table" -F "$chain" 2>/dev/null
        iptables -t "$table" -X "$chain" 2>/dev/null
      fi
    done
done
rm -rf "$DATA/cni" /var/lib/cni/results/agentctl-test-* /var/lib/cni/results/cni-loopback-*
rmdir /var/lib/cni/results /var/lib/cni 2>/dev/null # only if nothing else uses them

if [ -f "$K8S/sysctl.saved" ]; then
  log "restoring $(tr '\n' ' ' <"$K8S/sysctl.saved")"
  while IFS= read -r setting; do sysctl -q -w "$setting" >/dev/null; done <"$K8S/sysctl.saved"
fi
# --one-file-system: should a mount have survived, never delete through it into the host.
rm -rf --one-file-system "$K8S" "$STATE/kubeconfig" "$STATE/cluster.json" \
  "$DATA/etcd" "$DATA/kubelet" /tmp/hostpath_pv
# containerd's records of the Pods (their images stay).
rm -rf --one-file-system "$DATA"/containerd/io.containerd.grpc.v1.cri/{sandboxes,containers}
log "stopped in $((SECONDS - t0)) s"
