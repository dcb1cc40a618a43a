#!/usr/bin/env bash
# Builds, once, the Kubernetes server binaries that agentctl's Kubernetes integration tests run:
# kube-apiserver, kube-controller-manager, kube-scheduler and kubelet, from Debian 12's
# `kubernetes` source package (1.20, dependencies vendored) with Debian's Go. Debian packages
# only the client (kubectl) and etcd. The binaries are cached in $AGENTCTL_K8S_CACHE
# (default /var/cache/agentctl-test/kubernetes) and reused when present. Runs as root.
set -euo pipefail

CACHE=${AGENTCTL_K8S_CACHE:-/var/cache/agentctl-test/kubernetes}
BINS=(kube-apiserver kube-controller-manager kube-scheduler kubelet)
log() { printf '[build-cluster] %s\n' "$*" >&2; }

have_all() {
  local b
  for b in "${BINS[@]}"; do [ -x "$CACHE/bin/$b" ] || return 1; done
}
if have_all; then
  log "reusing binaries in $CACHE/bin"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
need=()
command -v go >/dev/null || need+=(golang-go)
command -v dpkg-source >/dev/null || need+=(dpkg-dev)
command -v make >/dev/null || need+=(make)
command -v rsync >/dev/null || need+=(rsync)
# The source package needs a deb-src entry; add one for the suites the machine already uses.
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
  log "adding a deb-src entry for Debian 12"
  cat >/etc/apt/sources.list.d/agentctl-test-src.sources <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  need_update=1
fi
if [ ${#need[@]} -gt 0 ] || [ -n "${need_update:-}" ]; then
  apt-get update -qq
fi
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

work=$(mktemp -d /var/tmp/agentctl-k8s-src.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
log "fetching Debian's kubernetes source package"
apt-get source -qq --download-only kubernetes >/dev/null
dpkg-source -x --no-check ./*.dsc src >/dev/null
cd src
start=$SECONDS
log "building ${BINS[*]} (about 5 minutes on 2 idle cores)"
# GOFLAGS=-mod=vendor: the source package vendors every dependency; nothing is downloaded.
GOFLAGS=-mod=vendor GO111MODULE=on KUBE_BUILD_PLATFORMS=linux/amd64 \
  make WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler cmd/kubelet" >build.log 2>&1 \
  || { tail -40 build.log >&2; exit 1; }
mkdir -p "$CACHE/bin.tmp"
for b in "${BINS[@]}"; do
  src=$(find _output -type f -name "$b" -perm -u+x | head -1)
  [ -n "$src" ] || { log "missing $b after the build"; exit 1; }
  cp "$src" "$CACHE/bin.tmp/$b"
done
rm -rf "$CACHE/bin" && mv "$CACHE/bin.tmp" "$CACHE/bin"
log "built in $((SECONDS - start)) s"
