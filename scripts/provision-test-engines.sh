#!/usr/bin/env bash
# Installs and starts, idempotently, what agentctl's integration tests need on a Debian 12 machine
# (as root): Docker Engine (dockerd), Podman with its Docker-compatible API socket, a registry on
# 127.0.0.1:5000 (and one with basic auth on 127.0.0.1:5001), and small test images in both engines
# and the registry, and a regular user (dev, uid 1500, in the docker group) with a rootless Podman
# API service of its own holding the same test images. Engines that already answer are reused.
# Writes the endpoints to $AGENTCTL_TEST_STATE/engines.json (default /run/agentctl-test), which
# the tests read.
set -euo pipefail

STATE=${AGENTCTL_TEST_STATE:-/run/agentctl-test}
mkdir -p "$STATE"
log() { printf '[provision] %s\n' "$*" >&2; }

need_apt=()
command -v dockerd >/dev/null || need_apt+=(docker.io)
command -v podman >/dev/null || need_apt+=(podman catatonit uidmap slirp4netns)
command -v docker-registry >/dev/null || need_apt+=(docker-registry)
[ -x /bin/busybox ] && busybox --list 2>/dev/null | grep -q '^wget$' || need_apt+=(busybox-static)
command -v git >/dev/null || need_apt+=(git)
command -v tmux >/dev/null || need_apt+=(tmux)
command -v script >/dev/null || need_apt+=(bsdutils)
command -v htpasswd >/dev/null || need_apt+=(apache2-utils)
command -v curl >/dev/null || need_apt+=(curl)
command -v ssh-agent >/dev/null || need_apt+=(openssh-client)  # --ssh tests (setups.test.ts)
[ -x /usr/sbin/sshd ] || need_apt+=(openssh-server)  # ssh:// endpoints (ssh-endpoint.test.ts starts its own)
[ -x /usr/sbin/debootstrap ] || need_apt+=(debootstrap)
command -v ruby >/dev/null || need_apt+=(ruby)  # `ruby -c` of the Homebrew formula (e2e)
command -v zsh >/dev/null || need_apt+=(zsh)    # completion scripts are run in each shell
command -v fish >/dev/null || need_apt+=(fish)
if [ ${#need_apt[@]} -gt 0 ]; then
  log "installing ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # No package may start a service here (openssh-server would listen on port 22): the tests start
  # what they need, on loopback.
  policy_added=
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy_added=1
  fi
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  [ -z "$policy_added" ] || rm -f /usr/sbin/policy-rc.d
fi

# Daemons start from / so that they (and the conmon processes Podman forks, which inherit the
# working directory) outlive the checkout that provisioned them.
start_daemon() { # NAME COMMAND...
  local name=$1; shift
  (cd / && exec nohup "$@" >"$STATE/$name.log" 2>&1) &
  echo $! >"$STATE/$name.pid"
}

wait_for() { # wait_for SECONDS COMMAND...
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

# --- Docker ---------------------------------------------------------------------------------------
DOCKER_SOCK=/var/run/docker.sock
docker_ok() { curl -sf --unix-socket "$DOCKER_SOCK" http://localhost/_ping; }
if docker_ok; then
  log "dockerd already running"
else
  log "starting dockerd"
  start_daemon dockerd dockerd --host "unix://$DOCKER_SOCK"
  wait_for 60 docker_ok || { log "dockerd did not start:"; tail -20 "$STATE/dockerd.log" >&2; exit 1; }
fi

# --- Podman ---------------------------------------------------------------------------------------
mkdir -p /etc/containers/containers.conf.d /etc/containers/registries.conf.d
# Root here lacks CAP_SYS_RESOURCE: pin ulimits so rootful podman run works.
cat >/etc/containers/containers.conf.d/50-agentctl-test.conf <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
CONF
cat >/etc/containers/registries.conf.d/50-agentctl-test.conf <<'CONF'
[[registry]]
location = "127.0.0.1:5000"
insecure = true

[[registry]]
location = "127.0.0.1:5001"
insecure = true

# Fake registries of the fault suite (test/integration/faults-registry.test.ts): plain HTTP that
# answers 500 or stalls. Podman speaks HTTP only to registries marked insecure, so the Podman run
# uses these fixed ports (Docker treats every 127.0.0.0/8 registry as insecure: random ports there).
[[registry]]
location = "127.0.0.1:5098"
insecure = true

[[registry]]
location = "127.0.0.1:5099"
insecure = true
CONF
PODMAN_SOCK=$STATE/podman.sock
podman_ok() { curl -sf --unix-socket "$PODMAN_SOCK" http://localhost/_ping; }
if podman_ok; then
  log "podman API service already running"
else
  log "starting podman system service"
  rm -f "$PODMAN_SOCK"
  start_daemon podman podman system service --time=0 "unix://$PODMAN_SOCK"
  wait_for 30 podman_ok || { log "podman service did not start:"; tail -20 "$STATE/podman.log" >&2; exit 1; }
fi

# --- Registries -----------------------------------------------------------------------------------
start_registry() { # NAME PORT [HTPASSWD]
  local name=$1 port=$2 htpasswd=${3:-}
  if curl -s -o /dev/null "http://127.0.0.1:$port/v2/"; then log "registry $name already on :$port"; return; fi
  mkdir -p "$STATE/$name-data"
  {
    echo "version: 0.1"
    echo "log: { level: warn }"
    echo "storage: { filesystem: { rootdirectory: $STATE/$name-data }, delete: { enabled: true } }"
    echo "http: { addr: 127.0.0.1:$port }"
    if [ -n "$htpasswd" ]; then echo "auth: { htpasswd: { realm: agentctl-test, path: $htpasswd } }"; fi
  } >"$STATE/$name.yml"
  log "starting registry $name on 127.0.0.1:$port"
  start_daemon "$name" docker-registry serve "$STATE/$name.yml"
  wait_for 20 curl -s -o /dev/null "http://127.0.0.1:$port/v2/" || { tail -20 "$STATE/$name.log" >&2; exit 1; }
}
start_registry registry 5000
REGISTRY_USER=agentctl
REGISTRY_PASSWORD=test-registry-password-7d41
[ -f "$STATE/htpasswd" ] || htpasswd -Bbn "$REGISTRY_USER" "$REGISTRY_PASSWORD" >"$STATE/htpasswd"
start_registry registry-auth 5001 "$STATE/htpasswd"

# --- Test images ----------------------------------------------------------------------------------
# A busybox rootfs with a UID 1000 user, imported into both engines (no Docker Hub here).
TEST_IMAGE=agentctl-test/busybox:1.0.0
build_rootfs() {
  local dir=$STATE/rootfs
  rm -rf "$dir" && mkdir -p "$dir"/{bin,etc,tmp,home/agent,workspace,run/secrets}
  cp /bin/busybox "$dir/bin/busybox"
  for applet in $("$dir/bin/busybox" --list); do [ "$applet" = busybox ] || ln -sf busybox "$dir/bin/$applet"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nagent:x:1000:1000:agent:/home/agent:/bin/sh\n' >"$dir/etc/passwd"
  printf 'root:x:0:\nagent:x:1000:\n' >"$dir/etc/group"
  chmod 1777 "$dir/tmp"
  chown 1000:1000 "$dir/home/agent"
  tar -C "$dir" -cf "$STATE/rootfs.tar" .
}
import_image() { # CLI
  local cli=$1
  if $cli image inspect "$TEST_IMAGE" >/dev/null 2>&1; then return; fi
  [ -f "$STATE/rootfs.tar" ] || build_rootfs
  log "importing $TEST_IMAGE into $cli"
  $cli import -c 'ENV PATH=/bin' -c 'WORKDIR /workspace' -c 'USER 1000:1000' -c 'CMD ["sh"]' \
    -c 'LABEL io.agentctl.test=true' "$STATE/rootfs.tar" "$TEST_IMAGE" >/dev/null
}
DOCKER="docker -H unix://$DOCKER_SOCK"
PODMAN="podman"
import_image "$DOCKER"
import_image "$PODMAN"
if ! curl -sf "http://127.0.0.1:5000/v2/agentctl-test/busybox/manifests/1.0.0" -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' >/dev/null; then
  log "pushing $TEST_IMAGE to 127.0.0.1:5000"
  $DOCKER tag "$TEST_IMAGE" "127.0.0.1:5000/$TEST_IMAGE"
  $DOCKER push "127.0.0.1:5000/$TEST_IMAGE" >/dev/null
fi

# --- Debian test image (image/worktree tests) ------------------------------------------------------
# A Debian bookworm minbase rootfs with git, built once with debootstrap (the tarball is kept in the
# state dir so re-runs reuse it) and imported into both engines: the base for building
# containers/base here (no Docker Hub) and an image with git for git-inside-container tests.
DEBIAN_IMAGE=agentctl-test/debian:bookworm
DEBIAN_ROOTFS=$STATE/debian-bookworm.tar
build_debian_rootfs() {
  local dir=$STATE/debian-rootfs
  log "debootstrapping Debian bookworm (minbase + git) into $dir"
  rm -rf "$dir"
  /usr/sbin/debootstrap --variant=minbase --include=git,ca-certificates bookworm "$dir" >"$STATE/debootstrap.log" 2>&1 \
    || { tail -20 "$STATE/debootstrap.log" >&2; exit 1; }
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/cache/apt/*.bin "$dir"/var/lib/apt/lists/* "$dir"/var/log/* 2>/dev/null || true
  tar -C "$dir" -cf "$DEBIAN_ROOTFS.tmp" . && mv "$DEBIAN_ROOTFS.tmp" "$DEBIAN_ROOTFS"
  rm -rf "$dir"
}
import_debian() { # CLI
  local cli=$1
  if $cli image inspect "$DEBIAN_IMAGE" >/dev/null 2>&1; then return; fi
  [ -f "$DEBIAN_ROOTFS" ] || build_debian_rootfs
  log "importing $DEBIAN_IMAGE into $cli"
  $cli import -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' -c 'CMD ["bash"]' \
    -c 'LABEL io.agentctl.test=true' "$DEBIAN_ROOTFS" "$DEBIAN_IMAGE" >/dev/null
}
import_debian "$DOCKER"
import_debian "$PODMAN"

# --- A Debian image with node (the egress gateway of the integration tests) ------------------------
# The gateway runs the proxy program with node; agentctl's own images have it, the Debian test
# image does not: this machine's node binary is copied into it (a container committed as an image).
NODE_IMAGE=agentctl-test/node:bookworm
make_node_image() { # CLI
  local cli=$1 id
  if $cli image inspect "$NODE_IMAGE" >/dev/null 2>&1; then return; fi
  log "making $NODE_IMAGE in $cli ($DEBIAN_IMAGE with this machine's node)"
  id=$($cli create "$DEBIAN_IMAGE" true)
  $cli cp "$(command -v node)" "$id:/usr/local/bin/node"
  $cli commit -c 'LABEL io.agentctl.test=true' "$id" "$NODE_IMAGE" >/dev/null
  $cli rm -f "$id" >/dev/null
}
make_node_image "$DOCKER"
make_node_image "$PODMAN"

# --- A regular user: Docker through the docker group, and rootless Podman ---------------------------
# The integration tiers integration-docker-user and integration-podman-rootless run as this user
# (scripts/test.sh). Its rootless Podman has its own API service and its own image storage.
TEST_USER=dev
TEST_UID=1500
TEST_HOME=/home/$TEST_USER
TEST_RUNTIME_DIR=/run/user/$TEST_UID
command -v setpriv >/dev/null || { log "setpriv (util-linux) is missing"; exit 1; }
getent group docker >/dev/null || groupadd --system docker
if ! id -u "$TEST_USER" >/dev/null 2>&1; then
  log "creating the test user $TEST_USER (uid $TEST_UID, in the docker group)"
  useradd --create-home --home-dir "$TEST_HOME" --uid "$TEST_UID" --user-group --groups docker --shell /bin/sh "$TEST_USER"
fi
[ "$(id -u "$TEST_USER")" = "$TEST_UID" ] || { log "user $TEST_USER exists with another uid than $TEST_UID"; exit 1; }
id -nG "$TEST_USER" | tr ' ' '\n' | grep -qx docker || usermod -aG docker "$TEST_USER"
# The docker socket must be the docker group's (dockerd does that when the group exists at its start).
[ "$(stat -c %G "$DOCKER_SOCK")" = docker ] || { chgrp docker "$DOCKER_SOCK" && chmod 660 "$DOCKER_SOCK"; }
touch /etc/subuid /etc/subgid
grep -q "^$TEST_USER:" /etc/subuid || echo "$TEST_USER:200000:65536" >>/etc/subuid
grep -q "^$TEST_USER:" /etc/subgid || echo "$TEST_USER:200000:65536" >>/etc/subgid
# slirp4netns (rootless networking) opens /dev/net/tun, 0600 on these machines.
chmod 666 /dev/net/tun
mkdir -p "$TEST_RUNTIME_DIR"
chown "$TEST_USER:$TEST_USER" "$TEST_RUNTIME_DIR"
chmod 700 "$TEST_RUNTIME_DIR"
as_test_user() { # COMMAND... as the test user, with a login-like environment
  setpriv --reuid "$TEST_USER" --regid "$TEST_USER" --init-groups \
    env -i HOME="$TEST_HOME" USER="$TEST_USER" LOGNAME="$TEST_USER" PATH=/usr/local/bin:/usr/bin:/bin \
    XDG_RUNTIME_DIR="$TEST_RUNTIME_DIR" "$@"
}
ROOTLESS_SOCK=$TEST_RUNTIME_DIR/podman/podman.sock
# Native overlay (the kernel has it for rootless users): Podman 4.3 otherwise falls back to vfs,
# which copies the whole image for every container (the user tiers ran 3x slower).
as_test_user mkdir -p "$TEST_HOME/.config/containers"
if [ ! -f "$TEST_HOME/.config/containers/storage.conf" ]; then
  printf '[storage]\ndriver = "overlay"\n' | as_test_user tee "$TEST_HOME/.config/containers/storage.conf" >/dev/null
fi
if [ "$(cd / && as_test_user podman info --format '{{.Store.GraphDriverName}}' 2>/dev/null)" != overlay ]; then
  log "resetting $TEST_USER's podman storage to the overlay driver"
  # Its API service (if any) holds the old storage open: stopped first, started again below.
  # The pid is the restart loop's, leader of its own process group: the group goes, service and all.
  if [ -f "$STATE/podman-rootless.pid" ]; then kill -- -"$(cat "$STATE/podman-rootless.pid")" 2>/dev/null || true; sleep 1; fi
  (cd / && as_test_user podman system reset --force >/dev/null 2>&1) || true
fi
rootless_ok() { as_test_user curl -sf -o /dev/null --unix-socket "$ROOTLESS_SOCK" http://localhost/_ping; }
if rootless_ok; then
  log "rootless podman API service of $TEST_USER already running"
else
  log "starting the rootless podman API service of $TEST_USER"
  # Without the directory the service exits at once ("bind: no such file or directory").
  as_test_user mkdir -p "$TEST_RUNTIME_DIR/podman"
  rm -f "$ROOTLESS_SOCK"
  # setsid from /: it outlives this shell and holds no checkout open.
  # The loop records its own pid (setsid forks, so $! would be another process's). It starts the
  # service again when it dies: Podman 4.3's rootless service can crash (SIGSEGV in libsubid) when
  # containers with keep-id are created at the same time (https://github.com/containers/storage/issues/2030);
  # a test in flight then fails, but the next one finds the service again.
  (cd / && exec setsid bash -c 'echo $$ >"$0"; while :; do "$@"; echo "[provision] the rootless podman service exited ($?): starting it again" >&2; sleep 1; done' "$STATE/podman-rootless.pid" \
    setpriv --reuid "$TEST_USER" --regid "$TEST_USER" --init-groups \
    env -i HOME="$TEST_HOME" USER="$TEST_USER" LOGNAME="$TEST_USER" PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="$TEST_RUNTIME_DIR" \
    podman system service --time=0 "unix://$ROOTLESS_SOCK" >>"$STATE/podman-rootless.log" 2>&1 </dev/null) &
  wait_for 30 rootless_ok || { log "the rootless podman service did not start:"; tail -20 "$STATE/podman-rootless.log" >&2; exit 1; }
fi
for image in "$TEST_IMAGE" "$DEBIAN_IMAGE" "$NODE_IMAGE"; do
  if ! (cd / && as_test_user podman image exists "$image"); then
    log "loading $image into $TEST_USER's podman storage"
    $PODMAN save "$image" | (cd / && as_test_user podman load -q >/dev/null)
  fi
done

# A 1 MiB file system of the test user's (a data directory that runs out of space): only root can
# mount one, and the user tiers run as the test user.
SMALL_FS=$STATE/small-fs
mkdir -p "$SMALL_FS"
mountpoint -q "$SMALL_FS" || mount -t tmpfs -o size=1m,mode=0755 tmpfs "$SMALL_FS"
chown "$TEST_USER:" "$SMALL_FS"

cat >"$STATE/engines.json" <<JSON
{
  "docker": { "host": "unix://$DOCKER_SOCK" },
  "podman": { "host": "unix://$PODMAN_SOCK" },
  "registry": "127.0.0.1:5000",
  "authRegistry": { "address": "127.0.0.1:5001", "username": "$REGISTRY_USER", "password": "$REGISTRY_PASSWORD" },
  "testImage": "$TEST_IMAGE",
  "rootfs": "$STATE/rootfs.tar",
  "debianImage": "$DEBIAN_IMAGE",
  "nodeImage": "$NODE_IMAGE",
  "user": { "name": "$TEST_USER", "uid": $TEST_UID, "gid": $(id -g "$TEST_USER"), "home": "$TEST_HOME", "runtimeDir": "$TEST_RUNTIME_DIR", "smallFs": "$SMALL_FS" },
  "rootlessPodman": { "host": "unix://$ROOTLESS_SOCK" }
}
JSON
log "ready: $STATE/engines.json"
