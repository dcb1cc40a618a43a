#!/usr/bin/env bash
# The whole test suite: provisions the engines when absent, then runs the tiers — unit (no
# engine), integration (once against Docker, once against Podman, as root), a focused part of
# integration as a regular user on Docker and on rootless Podman, kubernetes (a one-node cluster
# built from Debian's sources, started for the tier and torn down after it), images and
# images-podman (the real agent images with the real Claude Code on Docker, then on Podman: built
# once, reused while their inputs are unchanged — the io.agentctl.build-inputs label), e2e (packed
# package).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" = 0 ]; then
  bash scripts/provision-test-engines.sh
else
  echo "[test] not root: using the engines recorded by scripts/provision-test-engines.sh" >&2
fi

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
run_tier() { # NAME ENGINE PROJECT
  local name=$1 engine=$2 project=$3
  echo "=== $name ===" >&2
  AGENTCTL_TEST_ENGINE=$engine npx vitest run --project "$project" \
    --reporter=default --reporter=json --outputFile.json="$results/$name.json"
}

# The user setups (docs/reliability.md): a focused set of integration files, run as the regular
# test user that scripts/provision-test-engines.sh made (in the docker group, with its own rootless
# Podman). The whole tier per setup would double the suite's time; these files hold the flows whose
# behaviour depends on who runs agentctl: the lifecycle (the agent's user, its home, limits),
# worktrees and git inside the container, containment of the agent's repository, the streams, the
# review commands (git on the host as this user), `cp` (who owns what is copied), `stats`
# (rootless on cgroup v1 the engine has no figures of one container), the lifecycle defects
# (stop and rm of an agent's processes, which rootless on cgroup v1 get no cgroup of their own) and
# `inspect` (limits reported as ignored where the engine keeps none).
USER_TIER_FILES=(
  test/integration/lifecycle.test.ts
  test/integration/setups.test.ts
  test/integration/worktree.test.ts
  test/integration/containment.test.ts
  test/integration/streams-exec.test.ts
  test/integration/egress-gateway.test.ts
  test/integration/worktree-defects.test.ts
  test/integration/correctness-inputs.test.ts
  test/integration/review.test.ts
  test/integration/copy.test.ts
  test/integration/stats.test.ts
  test/integration/lifecycle-defects.test.ts
  test/integration/inspect.test.ts
)
run_user_tier() { # NAME ENGINE SETUP: USER_TIER_FILES as the test user; fails (never skips) without it
  local name=$1 engine=$2 setup=$3
  echo "=== $name ===" >&2
  local user uid home runtime_dir
  user=$(node -e 'const e=require(process.argv[1]); if(!e.user) process.exit(1); console.log(e.user.name)' "${AGENTCTL_TEST_STATE:-/run/agentctl-test}/engines.json") \
    || { echo "[test] $name: no test user recorded: run scripts/provision-test-engines.sh as root" >&2; return 1; }
  [ "$(id -u)" = 0 ] || { echo "[test] $name: needs root to run as the test user $user" >&2; return 1; }
  uid=$(id -u "$user") && home=$(getent passwd "$user" | cut -d: -f6) || { echo "[test] $name: no user $user on this machine" >&2; return 1; }
  runtime_dir=/run/user/$uid
  # CI runs from a root-owned clone the test user may not be able to read: the tier runs from a copy
  # of its own (sources, build and node_modules; ~3 s).
  local copy=$home/agentctl-test-checkout
  rm -rf "$copy" && mkdir -p "$copy"
  tar -C . --exclude=./.git -cf - . | tar -C "$copy" -xf -
  chown -R "$user:" "$copy"
  local status=0
  (cd "$copy" && setpriv --reuid "$user" --regid "$user" --init-groups \
    env -i HOME="$home" USER="$user" LOGNAME="$user" PATH="$PATH" XDG_RUNTIME_DIR="$runtime_dir" \
      AGENTCTL_TEST_ENGINE="$engine" AGENTCTL_TEST_SETUP="$setup" ${AGENTCTL_TEST_STATE:+AGENTCTL_TEST_STATE="$AGENTCTL_TEST_STATE"} \
      npx vitest run --project integration --reporter=default --reporter=json --outputFile.json="$copy/report.json" "${USER_TIER_FILES[@]}") || status=1
  cp "$copy/report.json" "$results/$name.json" 2>/dev/null || status=1
  return $status
}

npm run --silent typecheck
npm run --silent lint
npm run --silent lint:workflows  # GitHub workflow schema check (.github/workflows)
npm run --silent build
# AGENTCTL_TEST_TIERS="integration-docker-user …" runs only the tiers named (default: all of them).
TIERS=${AGENTCTL_TEST_TIERS:-unit integration-docker integration-podman integration-docker-user integration-podman-rootless images images-podman kubernetes e2e}
wants() { [[ " $TIERS " == *" $1 "* ]]; }
status=0
if wants unit; then run_tier unit '' unit || status=1; fi
if wants integration-docker; then run_tier integration-docker docker integration || status=1; fi
if wants integration-podman; then run_tier integration-podman podman integration || status=1; fi
if wants integration-docker-user; then run_user_tier integration-docker-user docker docker-user || status=1; fi
if wants integration-podman-rootless; then run_user_tier integration-podman-rootless podman podman-rootless || status=1; fi
if wants images; then run_tier images docker images || status=1; fi
if wants images-podman; then run_tier images-podman podman images || status=1; fi
if wants kubernetes && [ "$(id -u)" = 0 ]; then
  bash scripts/provision-test-cluster.sh || status=1
  # Stop the cluster and restore the kernel settings its kubelet changed, unless asked to keep it.
  [ -n "${AGENTCTL_TEST_KEEP_CLUSTER:-}" ] || trap 'bash scripts/teardown-test-cluster.sh; rm -rf "$results"' EXIT
fi
if wants kubernetes; then run_tier kubernetes '' kubernetes || status=1; fi
if wants e2e; then run_tier e2e '' e2e || status=1; fi

# Every tier asked for, by name: a tier that wrote no report counts as failed.
reports=()
for tier in $TIERS; do reports+=("$results/$tier.json"); done
node scripts/summarize-tests.mjs "${reports[@]}" || status=1
exit $status
