#!/usr/bin/env bash
# Builds, once, the Kubernetes server binaries that agentctl's Kubernetes integration tests run:
# kube-apiserver, kube-controller-manager, kube-scheduler and kubelet, from Debian 12's
# `kubernetes` source package (1.20, dependencies vendored) with Debian's Go. Debian packages
# only the client (kubectl) and etcd. The binaries are cached in $AGENTCTL_K8S_CACHE
# (default /var/cache/agentctl-test/kubernetes) and reused while they were built by the same
# RECIPE (below); a cluster that is running keeps the binaries it started with until its teardown.
# Runs as root.
set -euo pipefail

CACHE=${AGENTCTL_K8S_CACHE:-/var/cache/agentctl-test/kubernetes}
BINS=(kube-apiserver kube-controller-manager kube-scheduler kubelet)
# What the cached binaries were built from: a cache built otherwise (an older version of this
# script) is rebuilt. Change it whenever the build below changes.
RECIPE="kubernetes 1.20 from Debian 12 source, vendored reflect2 replaced by Debian's 1.0.2, container GC every 5 s"
log() { printf '[build-cluster] %s\n' "$*" >&2; }

have_all() {
  local b
  [ "$(cat "$CACHE/bin/RECIPE" 2>/dev/null)" = "$RECIPE" ] || return 1
  for b in "${BINS[@]}"; do [ -x "$CACHE/bin/$b" ] || return 1; done
}
if have_all; then
  log "reusing binaries in $CACHE/bin"
  exit 0
fi
# One build at a time (concurrent provisionings all call this script); a build that finished
# while we waited for the lock is reused.
mkdir -p "$CACHE"
exec 8>"$CACHE/build.lock"
flock 8
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
REFLECT2=/usr/share/gocode/src/github.com/modern-go/reflect2
[ -f "$REFLECT2/go_above_118.go" ] || need+=(golang-github-modern-go-reflect2-dev)
# The source package needs deb-src entries: the machine's own package sources (whatever mirror it
# uses), as source entries.
deb_src_entries() {
  local file
  for file in /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] && [ "$(basename "$file")" != agentctl-test-src.sources ] || continue
    sed -n '/^Types:.*\bdeb\b/,/^$/p' "$file" | sed 's/^Types:.*/Types: deb-src/'
    echo
  done
}
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
  log "adding deb-src entries for the machine's package sources"
  deb_src_entries >/etc/apt/sources.list.d/agentctl-test-src.sources
  if [ -f /etc/apt/sources.list ]; then
    sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list >/etc/apt/sources.list.d/agentctl-test-src.list
  fi
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
chown _apt "$work" 2>/dev/null || true # apt downloads as the user _apt, if it may write here
cd "$work"
log "fetching Debian's kubernetes source package"
apt-get source -qq --download-only kubernetes >/dev/null
dpkg-source -x --no-check ./*.dsc src >/dev/null
cd src
# The vendored reflect2 1.0.1 reads the Go runtime's map internals as they were before Go 1.18:
# built with Debian's Go (1.19), every component dies with "fatal error: fault" (in aeshashbody,
# under json-iterator) the first time it encodes certain maps, the API server within seconds.
# reflect2 1.0.2 has the same API and knows Go 1.18+; Debian packages it.
rm -rf vendor/github.com/modern-go/reflect2
cp -r "$REFLECT2" vendor/github.com/modern-go/reflect2
# When a deleted Pod's sandbox exits, the kubelet removes it only if the Pod's containers are
# already removed: a race, lost here by about a third of the Pods of a burst. Those sandboxes go
# at the next container garbage collection, every minute, and until then their Pods stay
# Terminating. The test cluster collects every 5 s.
sed -i 's/^\(\s*ContainerGCPeriod = \)time\.Minute$/\15 * time.Second/' pkg/kubelet/kubelet.go
grep -q 'ContainerGCPeriod = 5 \* time.Second' pkg/kubelet/kubelet.go \
  || { log "pkg/kubelet/kubelet.go has no ContainerGCPeriod = time.Minute to patch"; exit 1; }
start=$SECONDS
log "building ${BINS[*]} (5 to 10 minutes on 2 cores)"
# Kubernetes 1.20 builds in GOPATH mode (hack/lib/init.sh sets GO111MODULE=off) from the vendor
# directory: nothing is downloaded. The binaries are for the machine's own platform.
make WHAT="cmd/kube-apiserver cmd/kube-controller-manager cmd/kube-scheduler cmd/kubelet" >build.log 2>&1 \
  || { tail -40 build.log >&2; exit 1; }
rm -rf "$CACHE/bin.tmp" && mkdir -p "$CACHE/bin.tmp"
for b in "${BINS[@]}"; do
  cp "_output/bin/$b" "$CACHE/bin.tmp/$b" || { log "missing $b after the build"; exit 1; }
done
echo "$RECIPE" >"$CACHE/bin.tmp/RECIPE"
rm -rf "${CACHE:?}/bin" && mv "$CACHE/bin.tmp" "$CACHE/bin"
log "built in $((SECONDS - start)) s"
