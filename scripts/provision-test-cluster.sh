#!/usr/bin/env bash
# Starts, idempotently, the one-node Kubernetes cluster that agentctl's Kubernetes tests drive:
# etcd (Debian's etcd-server), kube-apiserver, kube-controller-manager, kube-scheduler and a
# kubelet (built from Debian's kubernetes source by build-test-cluster.sh, reused when cached),
# the kubelet's own containerd (Debian's) with Debian's CNI plugins. Needs the engines of
# provision-test-engines.sh first: the pause image and the test images are made with Docker and
# imported into the cluster's containerd. Runs as root. Writes $AGENTCTL_TEST_STATE/kubeconfig and
# $AGENTCTL_TEST_STATE/cluster.json, which the tests read. scripts/teardown-test-cluster.sh stops
# it and restores the kernel settings the kubelet changed.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
STATE=${AGENTCTL_TEST_STATE:-/run/agentctl-test}
K8S=$STATE/k8s
DATA=${AGENTCTL_K8S_DATA:-/var/lib/agentctl-test}
CACHE=${AGENTCTL_K8S_CACHE:-/var/cache/agentctl-test/kubernetes}
BIN=$CACHE/bin
KUBECONFIG_FILE=$STATE/kubeconfig
API=https://127.0.0.1:6443
mkdir -p "$K8S" "$DATA"
log() { printf '[cluster] %s\n' "$*" >&2; }

start_daemon() { # NAME COMMAND...
  local name=$1; shift
  (cd / && exec nohup "$@" >"$K8S/$name.log" 2>&1) &
  echo $! >"$K8S/$name.pid"
}
wait_for() { # SECONDS COMMAND...
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.3
  done
}
fail() { log "$1"; [ -n "${2:-}" ] && tail -25 "$K8S/$2.log" >&2; exit 1; }
api() { curl -sf --cacert "$K8S/ca.crt" --cert "$K8S/admin.crt" --key "$K8S/admin.key" "$@"; }

started_at=$SECONDS
bash "$HERE/build-test-cluster.sh"

need=()
command -v etcd >/dev/null || need+=(etcd-server)
command -v containerd >/dev/null || need+=(containerd)
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
command -v iptables >/dev/null || need+=(iptables)
command -v openssl >/dev/null || need+=(openssl)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

node_ready() {
  api "$API/api/v1/nodes/agentctl-test-node" | grep -q '"type": "Ready",[[:space:]]*"status": "True"' \
    || api "$API/api/v1/nodes/agentctl-test-node" | tr -d ' \n' | grep -q '"type":"Ready","status":"True"'
}
if [ -f "$KUBECONFIG_FILE" ] && node_ready; then
  log "cluster already running"
  exit 0
fi

# --- certificates (a private CA; admin is system:masters) --------------------------------------
# The node's address: that of the interface of the default route, else the first one.
dev=$(ip -4 route show default 2>/dev/null | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -1)
NODE_IP=$( [ -n "$dev" ] && ip -4 -o addr show dev "$dev" | awk '{sub("/.*", "", $4); print $4; exit}')
[ -n "$NODE_IP" ] || NODE_IP=$(hostname -I | awk '{print $1}')
cd "$K8S"
if [ ! -f ca.crt ]; then
  log "making certificates"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=agentctl-test-ca -keyout ca.key -out ca.crt 2>/dev/null
  cert() { # NAME SUBJECT [SAN]
    openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
    local ext=/dev/null
    if [ -n "${3:-}" ]; then ext="$1.ext"; printf 'subjectAltName=%s\n' "$3" >"$ext"; fi
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile "$ext" -out "$1.crt" 2>/dev/null
  }
  cert apiserver /CN=kube-apiserver "IP:127.0.0.1,IP:10.0.0.1,IP:$NODE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
  cert admin "/O=system:masters/CN=agentctl-test-admin"
  cert kubelet "/CN=agentctl-test-node" "IP:$NODE_IP,IP:127.0.0.1"
  openssl genrsa -out sa.key 2048 2>/dev/null
  openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
fi
cat >"$KUBECONFIG_FILE" <<YAML
apiVersion: v1
kind: Config
clusters:
- name: agentctl-test
  cluster:
    server: $API
    certificate-authority: $K8S/ca.crt
users:
- name: agentctl-test-admin
  user:
    client-certificate: $K8S/admin.crt
    client-key: $K8S/admin.key
contexts:
- name: agentctl-test
  context: {cluster: agentctl-test, user: agentctl-test-admin, namespace: default}
current-context: agentctl-test
YAML

# --- containerd for the kubelet (its own socket, root and state) --------------------------------
CONTAINERD_SOCK=$K8S/containerd.sock
mkdir -p "$K8S/cni"
cat >"$K8S/cni/10-agentctl-test.conflist" <<'JSON'
{
  "cniVersion": "0.4.0",
  "name": "agentctl-test",
  "plugins": [
    {"type": "bridge", "bridge": "agentctl-k8s0", "isGateway": true, "ipMasq": true,
     "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.244.0.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
JSON
cat >"$K8S/containerd.toml" <<TOML
version = 2
root = "$DATA/containerd"
state = "$K8S/containerd"
[grpc]
  address = "$CONTAINERD_SOCK"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "docker.io/agentctl-test/pause:1.0"
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$K8S/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
TOML
if ! ctr -a "$CONTAINERD_SOCK" version >/dev/null 2>&1; then
  log "starting containerd"
  start_daemon containerd containerd --config "$K8S/containerd.toml"
  wait_for 30 ctr -a "$CONTAINERD_SOCK" version || fail "containerd did not start" containerd
fi

# --- images: the sandbox's pause image and the test images, from Docker ------------------------
CTR=(ctr -a "$CONTAINERD_SOCK" -n k8s.io)
have_image() { "${CTR[@]}" images ls -q | grep -qx "docker.io/$1"; }
if ! have_image agentctl-test/pause:1.0; then
  log "building the pause image"
  root=$(mktemp -d)
  gcc -static -O2 -o "$root/pause" "$HERE/test-cluster/pause.c"
  tar -C "$root" -c pause | docker import -c 'ENTRYPOINT ["/pause"]' - agentctl-test/pause:1.0 >/dev/null
  rm -rf "$root"
  docker save agentctl-test/pause:1.0 | "${CTR[@]}" images import - >/dev/null
fi
for image in agentctl-test/busybox:1.0.0 agentctl-test/debian:bookworm; do
  if ! have_image "$image"; then
    log "importing $image into the cluster's containerd"
    docker save "$image" | "${CTR[@]}" images import - >/dev/null
  fi
done

# --- control plane ------------------------------------------------------------------------------
if ! curl -sf http://127.0.0.1:2479/health >/dev/null 2>&1; then
  log "starting etcd"
  start_daemon etcd etcd --name agentctl-test --data-dir "$DATA/etcd" \
    --listen-client-urls http://127.0.0.1:2479 --advertise-client-urls http://127.0.0.1:2479 \
    --listen-peer-urls http://127.0.0.1:2480 --initial-advertise-peer-urls http://127.0.0.1:2480 \
    --initial-cluster agentctl-test=http://127.0.0.1:2480
  wait_for 30 curl -sf http://127.0.0.1:2479/health || fail "etcd did not start" etcd
fi
if ! api "$API/readyz" >/dev/null 2>&1; then
  log "starting kube-apiserver"
  start_daemon kube-apiserver "$BIN/kube-apiserver" --etcd-servers=http://127.0.0.1:2479 \
    --bind-address=127.0.0.1 --advertise-address="$NODE_IP" --secure-port=6443 --insecure-port=0 \
    --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=false \
    --tls-cert-file=apiserver.crt --tls-private-key-file=apiserver.key --client-ca-file=ca.crt \
    --service-account-issuer=https://kubernetes.default.svc --service-account-key-file=sa.pub \
    --service-account-signing-key-file=sa.key --authorization-mode=Node,RBAC \
    --kubelet-client-certificate=admin.crt --kubelet-client-key=admin.key \
    --kubelet-preferred-address-types=InternalIP --cert-dir="$K8S"
  wait_for 60 api "$API/readyz" || fail "kube-apiserver did not become ready" kube-apiserver
fi
if ! pgrep -f "$BIN/kube-controller-manager" >/dev/null; then
  log "starting kube-controller-manager and kube-scheduler"
  # The host-path provisioner gives PersistentVolumeClaims real volumes on this one node.
  start_daemon kube-controller-manager "$BIN/kube-controller-manager" --kubeconfig="$KUBECONFIG_FILE" \
    --leader-elect=false --bind-address=127.0.0.1 --port=0 --service-account-private-key-file=sa.key \
    --root-ca-file=ca.crt --use-service-account-credentials=false --enable-hostpath-provisioner \
    --cluster-signing-cert-file=ca.crt --cluster-signing-key-file=ca.key
fi
if ! pgrep -f "$BIN/kube-scheduler" >/dev/null; then
  start_daemon kube-scheduler "$BIN/kube-scheduler" --kubeconfig="$KUBECONFIG_FILE" \
    --leader-elect=false --bind-address=127.0.0.1 --port=0
fi

# --- kubelet (saving the kernel settings it changes, for the teardown) --------------------------
if [ ! -f "$K8S/sysctl.saved" ]; then
  for key in kernel.panic kernel.panic_on_oops vm.overcommit_memory; do
    printf '%s=%s\n' "$key" "$(sysctl -n "$key")"
  done >"$K8S/sysctl.saved"
fi
cat >"$K8S/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $K8S/ca.crt}
authorization: {mode: AlwaysAllow}
tlsCertFile: $K8S/kubelet.crt
tlsPrivateKeyFile: $K8S/kubelet.key
cgroupDriver: cgroupfs
failSwapOn: false
serializeImagePulls: false
podPidsLimit: 4096
maxPods: 60
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%"}
imageGCHighThresholdPercent: 100
YAML
if ! pgrep -f "$BIN/kubelet" >/dev/null; then
  log "starting the kubelet"
  start_daemon kubelet "$BIN/kubelet" --config="$K8S/kubelet.yaml" --kubeconfig="$KUBECONFIG_FILE" \
    --container-runtime=remote --container-runtime-endpoint="unix://$CONTAINERD_SOCK" \
    --hostname-override=agentctl-test-node --node-ip="$NODE_IP" --root-dir="$DATA/kubelet" \
    --cert-dir="$K8S/kubelet-pki"
fi
wait_for 120 node_ready || fail "the node did not become Ready" kubelet

# A default StorageClass backed by the host-path provisioner (deleted volumes are removed).
api -X POST -H 'Content-Type: application/json' "$API/apis/storage.k8s.io/v1/storageclasses" -d '{
  "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
  "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
  "provisioner": "kubernetes.io/host-path", "reclaimPolicy": "Delete"}' >/dev/null 2>&1 || true
wait_for 60 api "$API/api/v1/namespaces/default/serviceaccounts/default" || fail "no default service account" kube-controller-manager

cat >"$STATE/cluster.json" <<JSON
{
  "kubeconfig": "$KUBECONFIG_FILE",
  "context": "agentctl-test",
  "node": "agentctl-test-node",
  "nodeIp": "$NODE_IP",
  "testImage": "agentctl-test/busybox:1.0.0",
  "gitImage": "agentctl-test/debian:bookworm"
}
JSON
log "ready in $((SECONDS - started_at)) s: $STATE/cluster.json"
