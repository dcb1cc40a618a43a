#!/usr/bin/env bash
# Stops the test cluster of provision-test-cluster.sh: the kubelet and its Pods, the control
# plane, etcd and the cluster's containerd; unmounts what the kubelet mounted; restores the kernel
# settings the kubelet changed (kernel.panic, kernel.panic_on_oops, vm.overcommit_memory); drops
# the cluster's data (etcd, volumes). The built binaries stay cached. Runs as root.
set -uo pipefail

STATE=${AGENTCTL_TEST_STATE:-/run/agentctl-test}
K8S=$STATE/k8s
DATA=${AGENTCTL_K8S_DATA:-/var/lib/agentctl-test}
log() { printf '[cluster] %s\n' "$*" >&2; }

stop() { # NAME: SIGTERM, then SIGKILL after 10 s
  local pidfile=$K8S/$1.pid pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill "$pid" 2>/dev/null; then
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null
  fi
  rm -f "$pidfile"
}

[ -d "$K8S" ] || { log "no test cluster here"; exit 0; }
log "stopping the kubelet and the control plane"
stop kubelet
stop kube-scheduler
stop kube-controller-manager
stop kube-apiserver
stop etcd
# The Pods' containers: their shims belong to the cluster's containerd (its socket in their argv).
if [ -S "$K8S/containerd.sock" ]; then
  for task in $(ctr -a "$K8S/containerd.sock" -n k8s.io tasks ls -q 2>/dev/null); do
    ctr -a "$K8S/containerd.sock" -n k8s.io tasks kill -s SIGKILL "$task" >/dev/null 2>&1
  done
fi
stop containerd
pkill -9 -f "containerd-shim.*-address $K8S/containerd.sock" 2>/dev/null
# The kubelet's and containerd's mounts (volumes, sandboxes' shm, rootfs), deepest first.
awk -v a="$DATA/" -v b="$K8S/" '$2 ~ "^" a || $2 ~ "^" b {print $2}' /proc/mounts | sort -r | while read -r mount; do
  umount -l "$mount" 2>/dev/null
done
ip link delete agentctl-k8s0 2>/dev/null

if [ -f "$K8S/sysctl.saved" ]; then
  log "restoring $(tr '\n' ' ' <"$K8S/sysctl.saved")"
  while IFS= read -r setting; do sysctl -q -w "$setting" >/dev/null; done <"$K8S/sysctl.saved"
fi
rm -rf "$K8S" "$STATE/kubeconfig" "$STATE/cluster.json" "$DATA/etcd" "$DATA/kubelet" /tmp/hostpath_pv /var/lib/cni/networks/agentctl-test
log "stopped"
