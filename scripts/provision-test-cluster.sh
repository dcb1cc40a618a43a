#!/usr/bin/env bash
# Starts, idempotently, the one-node Kubernetes cluster that agentctl's Kubernetes tests drive:
# etcd (Debian's etcd-server), kube-apiserver, kube-controller-manager, kube-scheduler and a
# kubelet (built from Debian's kubernetes source by build-test-cluster.sh, reused when cached),
# the kubelet's own containerd (Debian's) with Debian's CNI plugins. Needs the engines of
# provision-test-engines.sh first: the pause image and the test images are made with Docker and
# imported into the cluster's containerd. Runs as root. Writes $AGENTCTL_TEST_STATE/kubeconfig and
# $AGENTCTL_TEST_STATE/cluster.json, which the tests read, and ends only once the cluster is
# usable (node Ready, default service account with its token). Each component that already
# answers is left running, one that does not is (re)started. scripts/teardown-test-cluster.sh
# stops it all and restores the kernel settings the kubelet changed.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
STATE=${AGENTCTL_TEST_STATE:-/run/agentctl-test}
K8S=$STATE/k8s                                     # pid files, logs, sockets, configs, pki
PKI=$K8S/pki
DATA=${AGENTCTL_K8S_DATA:-/var/lib/agentctl-test}  # etcd, kubelet, containerd's image store
CACHE=${AGENTCTL_K8S_CACHE:-/var/cache/agentctl-test/kubernetes}
BIN=$CACHE/bin
KUBECONFIG_FILE=$STATE/kubeconfig
API=https://127.0.0.1:6443
NODE=agentctl-test-node
PAUSE_IMAGE=docker.io/agentctl-test/pause:1.0
TEST_IMAGES=(agentctl-test/busybox:1.0.0 agentctl-test/debian:bookworm agentctl-test/node:bookworm)
CONTAINERD_SOCK=$K8S/containerd.sock
# --connect-timeout: ctr otherwise waits 10 s for a socket that is not there.
CTR=(ctr --connect-timeout 2s -a "$CONTAINERD_SOCK" -n k8s.io)
log() { printf '[cluster] %s\n' "$*" >&2; }
fail() { log "$1"; if [ -n "${2:-}" ]; then tail -25 "$K8S/$2.log" >&2; fi; exit 1; }
started_at=$SECONDS

mkdir -p "$K8S" "$DATA"
# One provisioning (or teardown) at a time: parallel test runs may all call this script.
exec 9>"$STATE/k8s.lock"
flock 9

bash "$HERE/build-test-cluster.sh"

need=()
command -v etcd >/dev/null || need+=(etcd-server)
command -v containerd >/dev/null || need+=(containerd)
[ -x /usr/lib/cni/bridge ] || need+=(containernetworking-plugins)
command -v iptables >/dev/null || need+=(iptables)
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
command -v gcc >/dev/null || need+=(gcc libc6-dev)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  fail "Docker does not answer: run scripts/provision-test-engines.sh first"
fi

# Daemons run from / in their own session, stdin closed and without the lock's descriptor, so
# that they outlive this script, its checkout and its process group, and do not hold the lock.
start_daemon() { # NAME COMMAND...
  local name=$1; shift
  (cd / && exec setsid "$@" </dev/null >"$K8S/$name.log" 2>&1 9>&-) &
  echo $! >"$K8S/$name.pid"
}
# The control plane and the kubelet run at a higher priority than the tests' workload (the Pods,
# the CLIs under test): on 2 cores with a load of 20+, the kubelet otherwise timed out on TLS
# handshakes with the API server and Pods stayed Terminating for minutes. Not containerd: its
# Pods would inherit the priority.
PRIO=(nice -n -10)
alive() { # NAME: its daemon still runs
  local pid
  pid=$(cat "$K8S/$1.pid" 2>/dev/null) && kill -0 "$pid" 2>/dev/null
}
stop_daemon() { # NAME: a daemon that runs but does not answer is replaced, not doubled
  local pid
  alive "$1" || return 0
  pid=$(cat "$K8S/$1.pid")
  kill "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
}
wait_up() { # NAME SECONDS CHECK...: CHECK passes in time, or fail at once if NAME exits
  local name=$1 deadline=$((SECONDS + $2)); shift 2
  until "$@" >/dev/null 2>&1; do
    alive "$name" || fail "$name exited:" "$name"
    [ $SECONDS -lt $deadline ] || fail "$name did not become ready in time:" "$name"
    sleep 0.2
  done
}
api() { # curl the API server as the admin
  curl -sf --cacert "$PKI/ca.crt" --cert "$PKI/admin.crt" --key "$PKI/admin.key" "$@"
}
json() { tr -d ' \n'; } # the API server pretty-prints; grep its answers without the blanks

# --- certificates: a private CA; admin is system:masters, the kubelet is the node itself -------
# The node's address: that of the interface of the default route, else the first one. Pods reach
# the host there, and the API server reaches the kubelet there.
dev=$(ip -4 route show default 2>/dev/null | sed -n 's/.* dev \([^ ]*\).*/\1/p' | head -1)
NODE_IP=
[ -z "$dev" ] || NODE_IP=$(ip -4 -o addr show dev "$dev" | awk '{sub("/.*", "", $4); print $4; exit}')
[ -n "$NODE_IP" ] || NODE_IP=$(hostname -I | awk '{print $1}')
[ -n "$NODE_IP" ] || fail "no IPv4 address for the node"
if [ -f "$PKI/node-ip" ] && [ "$(cat "$PKI/node-ip")" != "$NODE_IP" ]; then
  fail "the node's address changed ($(cat "$PKI/node-ip") -> $NODE_IP): run scripts/teardown-test-cluster.sh first"
fi
if [ ! -f "$PKI/node-ip" ]; then
  log "making certificates"
  rm -rf "$PKI" && mkdir -p "$PKI" && chmod 700 "$PKI"
  # ECDSA P-256 keys: made in milliseconds, where RSA keys took up to seconds each on a busy machine.
  (
    cd "$PKI"
    EC=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${EC[@]}" -days 3650 -subj /CN=agentctl-test-ca -keyout ca.key -out ca.crt 2>/dev/null
    cert() { # NAME SUBJECT [SAN]
      local ext=/dev/null
      openssl req "${EC[@]}" -subj "$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
      if [ -n "${3:-}" ]; then ext=$1.ext; printf 'subjectAltName=%s\n' "$3" >"$ext"; fi
      openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 -extfile "$ext" -out "$1.crt" 2>/dev/null
      rm -f "$1.csr" "$1.ext"
    }
    cert apiserver /CN=kube-apiserver "IP:127.0.0.1,IP:10.0.0.1,IP:$NODE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc"
    cert admin "/O=system:masters/CN=agentctl-test-admin"
    # The kubelet's client identity: the Node authorizer lets system:node:NAME in system:nodes
    # do what a kubelet does. Its serving certificate names the address the API server dials.
    cert kubelet-client "/O=system:nodes/CN=system:node:$NODE"
    cert kubelet "/CN=$NODE" "IP:$NODE_IP,IP:127.0.0.1,DNS:$NODE"
    # The key that signs the service accounts' tokens (ES256).
    openssl ecparam -name prime256v1 -genkey -noout -out sa.key
    openssl ec -in sa.key -pubout -out sa.pub 2>/dev/null
  )
  echo "$NODE_IP" >"$PKI/node-ip"
fi

kubeconfig() { # USER CERT: a kubeconfig with the credentials inline, so it can be copied alone
  cat <<YAML
apiVersion: v1
kind: Config
clusters:
- name: agentctl-test
  cluster:
    server: $API
    certificate-authority-data: $(base64 -w0 "$PKI/ca.crt")
users:
- name: $1
  user:
    client-certificate-data: $(base64 -w0 "$PKI/$2.crt")
    client-key-data: $(base64 -w0 "$PKI/$2.key")
contexts:
- name: agentctl-test
  context: {cluster: agentctl-test, user: $1, namespace: default}
current-context: agentctl-test
YAML
}
(umask 077 && kubeconfig agentctl-test-admin admin >"$KUBECONFIG_FILE.tmp" \
  && kubeconfig "system:node:$NODE" kubelet-client >"$K8S/kubelet.kubeconfig")
mv "$KUBECONFIG_FILE.tmp" "$KUBECONFIG_FILE"

# --- containerd for the kubelet (its own socket, root and state) --------------------------------
# Docker's containerd cannot serve the kubelet (no CRI there), and dockerd as the kubelet's
# runtime fails here, so the cluster has a containerd of its own.
mkdir -p "$K8S/cni"
# bridge: the Pods' network, its gateway on the host (Pods reach the node's address through it);
# host-local keeps its leases under $DATA, so the teardown finds them. portmap: hostPort.
cat >"$K8S/cni/10-agentctl-test.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "agentctl-test",
  "plugins": [
    {"type": "bridge", "bridge": "agentctl-k8s0", "isGateway": true, "ipMasq": true,
     "ipam": {"type": "host-local", "dataDir": "$DATA/cni",
              "ranges": [[{"subnet": "10.244.0.0/24"}]], "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
JSON
# Docker sets the FORWARD policy to DROP, and br_netfilter sends even traffic between two Pods
# of the bridge through FORWARD: accept what enters or leaves the bridge.
for dir in -i -o; do
  rule=(FORWARD "$dir" agentctl-k8s0 -m comment --comment agentctl-test -j ACCEPT)
  iptables -C "${rule[@]}" 2>/dev/null || iptables -I "${rule[@]}"
done
# restrict_oom_score_adj: root here lacks CAP_SYS_RESOURCE, so a container may not get a lower
# oom_score_adj than containerd's own (the kubelet asks -998 for the pause container).
# netns_mounts_under_state_dir: the Pods' network namespaces are mounted under $K8S, not under
# /run/netns, so the teardown finds them with the other mounts.
# The "opt" plugin would otherwise create /opt/containerd.
cat >"$K8S/containerd.toml" <<TOML
version = 2
root = "$DATA/containerd"
state = "$K8S/containerd"
[grpc]
  address = "$CONTAINERD_SOCK"
[plugins."io.containerd.internal.v1.opt"]
  path = "$DATA/containerd-opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$K8S/cni"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
TOML
containerd_ok() { [ -S "$CONTAINERD_SOCK" ] && "${CTR[@]}" version; }
if ! containerd_ok >/dev/null 2>&1; then
  log "starting containerd"
  stop_daemon containerd
  start_daemon containerd containerd --config "$K8S/containerd.toml"
  wait_up containerd 30 containerd_ok
fi

# --- images: the sandbox's pause image and the test images, from Docker ------------------------
# No public registry is reachable: every image the kubelet runs must already be in this store
# (the Pods use imagePullPolicy IfNotPresent). The store survives the teardown; an image is
# imported again when Docker's copy changed (its ID is not among the store's references).
refs=$("${CTR[@]}" images ls -q)
have_ref() { grep -qxF "$1" <<<"$refs"; }
if ! have_ref "$PAUSE_IMAGE"; then
  log "building the pause image"
  root=$(mktemp -d)
  gcc -static -O2 -o "$root/pause" "$HERE/test-cluster/pause.c"
  tar -C "$root" -c pause | docker import -c 'ENTRYPOINT ["/pause"]' - agentctl-test/pause:1.0 >/dev/null
  rm -rf "$root"
  docker save agentctl-test/pause:1.0 | "${CTR[@]}" images import - >/dev/null
  docker rmi agentctl-test/pause:1.0 >/dev/null  # only the cluster uses it
fi
for image in "${TEST_IMAGES[@]}"; do
  id=$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null) \
    || fail "Docker has no $image: run scripts/provision-test-engines.sh first"
  if ! have_ref "docker.io/$image" || ! have_ref "$id"; then
    log "importing $image into the cluster's containerd"
    docker save "$image" | "${CTR[@]}" images import - >/dev/null
  fi
done

# --- control plane ------------------------------------------------------------------------------
# etcd on ports of its own (2479/2480), so that it never meets another etcd on the defaults. Its
# data on a tmpfs: a test cluster needs no durability, and on a busy disk fdatasync took seconds
# (etcd then stalls the API server). 1 GiB of quota within the 2 GiB tmpfs (WAL files are 64 MiB).
etcd_ok() { curl -sf http://127.0.0.1:2479/health | grep -q '"health":"true"'; }
if ! etcd_ok >/dev/null 2>&1; then
  log "starting etcd"
  stop_daemon etcd
  mkdir -p "$DATA/etcd"
  mountpoint -q "$DATA/etcd" || mount -t tmpfs -o size=2g,mode=700 agentctl-test-etcd "$DATA/etcd"
  start_daemon etcd "${PRIO[@]}" etcd --name agentctl-test --data-dir "$DATA/etcd" --logger=zap \
    --quota-backend-bytes=$((1024 * 1024 * 1024)) \
    --listen-client-urls http://127.0.0.1:2479 --advertise-client-urls http://127.0.0.1:2479 \
    --listen-peer-urls http://127.0.0.1:2480 --initial-advertise-peer-urls http://127.0.0.1:2480 \
    --initial-cluster agentctl-test=http://127.0.0.1:2480
  wait_up etcd 30 etcd_ok
fi
apiserver_ok() { api "$API/readyz"; }
if ! apiserver_ok >/dev/null 2>&1; then
  log "starting kube-apiserver"
  stop_daemon kube-apiserver
  # --kubelet-preferred-address-types=InternalIP: the node's name does not resolve; its address
  # (--node-ip) does. The API server checks the kubelet's serving certificate against the CA.
  start_daemon kube-apiserver "${PRIO[@]}" "$BIN/kube-apiserver" --etcd-servers=http://127.0.0.1:2479 \
    --bind-address=127.0.0.1 --advertise-address="$NODE_IP" --secure-port=6443 \
    --service-cluster-ip-range=10.0.0.0/24 --allow-privileged=false \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" --authorization-mode=Node,RBAC \
    --service-account-issuer=https://kubernetes.default.svc --service-account-key-file="$PKI/sa.pub" \
    --service-account-signing-key-file="$PKI/sa.key" \
    --kubelet-client-certificate="$PKI/admin.crt" --kubelet-client-key="$PKI/admin.key" \
    --kubelet-certificate-authority="$PKI/ca.crt" --kubelet-preferred-address-types=InternalIP
  wait_up kube-apiserver 60 apiserver_ok
fi
# Their health endpoints are on their secure ports (10257, 10259); /healthz needs no credentials.
# --port=0: no insecure port (1.20 still opens one by default).
controller_manager_ok() { curl -sfk https://127.0.0.1:10257/healthz; }
if ! controller_manager_ok >/dev/null 2>&1; then
  log "starting kube-controller-manager"
  stop_daemon kube-controller-manager
  # The host-path provisioner gives PersistentVolumeClaims real volumes on this one node (in
  # /tmp/hostpath_pv, root:root 0750); the service account controllers make the tokens Pods mount.
  start_daemon kube-controller-manager "${PRIO[@]}" "$BIN/kube-controller-manager" --kubeconfig="$KUBECONFIG_FILE" \
    --leader-elect=false --bind-address=127.0.0.1 --port=0 --cert-dir="$PKI/controller-manager" \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --use-service-account-credentials=false --enable-hostpath-provisioner \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key"
fi
scheduler_ok() { curl -sfk https://127.0.0.1:10259/healthz; }
if ! scheduler_ok >/dev/null 2>&1; then
  log "starting kube-scheduler"
  stop_daemon kube-scheduler
  start_daemon kube-scheduler "${PRIO[@]}" "$BIN/kube-scheduler" --kubeconfig="$KUBECONFIG_FILE" \
    --leader-elect=false --bind-address=127.0.0.1 --port=0 --cert-dir="$PKI/scheduler"
fi

# --- kubelet (saving the kernel settings it changes, for the teardown) --------------------------
# Saved once per cluster: a second run must not save the values the running kubelet set.
if [ ! -f "$K8S/sysctl.saved" ]; then
  for key in kernel.panic kernel.panic_on_oops vm.overcommit_memory; do
    printf '%s=%s\n' "$key" "$(sysctl -n "$key")"
  done >"$K8S/sysctl.saved.tmp"
  mv "$K8S/sysctl.saved.tmp" "$K8S/sysctl.saved"
fi
# kubeAPIQPS/eventRecordQPS: the defaults (5) throttle the status updates of a burst of Pods.
# nodeStatusUpdateFrequency: the node reports Ready at its second status update, 10 s after
# registering by default; the heartbeat itself is the node's Lease, so this costs little.
# imageGCHighThresholdPercent 100: never collect images, they cannot be pulled again.
cat >"$K8S/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_IP
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: $PKI/ca.crt}
authorization: {mode: AlwaysAllow}
tlsCertFile: $PKI/kubelet.crt
tlsPrivateKeyFile: $PKI/kubelet.key
cgroupDriver: cgroupfs
failSwapOn: false
nodeStatusUpdateFrequency: 2s
serializeImagePulls: false
kubeAPIQPS: 50
kubeAPIBurst: 100
eventRecordQPS: 50
eventBurst: 100
podPidsLimit: 4096
maxPods: 60
evictionHard: {memory.available: "100Mi", nodefs.available: "1%", imagefs.available: "1%"}
imageGCHighThresholdPercent: 100
YAML
kubelet_ok() { curl -sf http://127.0.0.1:10248/healthz; }
if ! kubelet_ok >/dev/null 2>&1; then
  log "starting the kubelet"
  stop_daemon kubelet
  start_daemon kubelet "${PRIO[@]}" "$BIN/kubelet" --config="$K8S/kubelet.yaml" --kubeconfig="$K8S/kubelet.kubeconfig" \
    --container-runtime=remote --container-runtime-endpoint="unix://$CONTAINERD_SOCK" \
    --hostname-override="$NODE" --node-ip="$NODE_IP" --root-dir="$DATA/kubelet" \
    --cert-dir="$PKI/kubelet-pki"
fi

# --- usable: the components answer, the node is Ready, the default StorageClass exists and the
# default service account has its token (before that, the API server refuses Pods that mount it).
wait_up kube-controller-manager 60 controller_manager_ok
wait_up kube-scheduler 60 scheduler_ok
wait_up kubelet 60 kubelet_ok
node_ready() { api "$API/api/v1/nodes/$NODE" | json | grep -q '"type":"Ready","status":"True"'; }
wait_up kubelet 120 node_ready
if ! api "$API/apis/storage.k8s.io/v1/storageclasses/standard" >/dev/null; then
  # Deleted claims' volumes are removed (the provisioner only deletes under /tmp).
  api -X POST -H 'Content-Type: application/json' "$API/apis/storage.k8s.io/v1/storageclasses" -d '{
    "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
    "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
    "provisioner": "kubernetes.io/host-path", "reclaimPolicy": "Delete", "volumeBindingMode": "Immediate"}' \
    >/dev/null || fail "could not create the StorageClass standard"
fi
default_token() {
  api "$API/api/v1/namespaces/default/serviceaccounts/default" | json | grep -q '"secrets":\[{'
}
wait_up kube-controller-manager 60 default_token

cat >"$STATE/cluster.json.tmp" <<JSON
{
  "kubeconfig": "$KUBECONFIG_FILE",
  "context": "agentctl-test",
  "server": "$API",
  "node": "$NODE",
  "nodeIp": "$NODE_IP",
  "storageClass": "standard",
  "testImage": "agentctl-test/busybox:1.0.0",
  "gitImage": "agentctl-test/debian:bookworm",
  "nodeImage": "agentctl-test/node:bookworm"
}
JSON
mv "$STATE/cluster.json.tmp" "$STATE/cluster.json"
log "ready in $((SECONDS - started_at)) s: $STATE/cluster.json"
