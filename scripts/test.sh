#!/usr/bin/env bash
# The whole test suite: provisions the engines when absent, then runs the tiers — unit (no
# engine), integration (once against Docker, once against Podman, as root, and again as a regular
# user on Docker and on rootless Podman: two at a time), kubernetes (a one-node cluster
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

# The user setups (docs/reliability.md): the whole integration tier again, as the regular test
# user that scripts/provision-test-engines.sh made (in the docker group, with its own rootless
# Podman). AGENTCTL_USER_TIER_FILES="a.test.ts b.test.ts" runs only those files (a quick check).
test_user() { # sets user, uid, home: the regular test user of scripts/provision-test-engines.sh
  user=$(node -e 'const e=require(process.argv[1]); if(!e.user) process.exit(1); console.log(e.user.name)' "${AGENTCTL_TEST_STATE:-/run/agentctl-test}/engines.json") \
    || { echo "[test] no test user recorded: run scripts/provision-test-engines.sh as root" >&2; return 1; }
  [ "$(id -u)" = 0 ] || { echo "[test] the user tiers need root to run as the test user $user" >&2; return 1; }
  uid=$(id -u "$user") && home=$(getent passwd "$user" | cut -d: -f6) || { echo "[test] no user $user on this machine" >&2; return 1; }
}
prepare_user_tier() { # NAME: the test user's copy of this checkout for the tier NAME
  # CI runs from a root-owned clone the test user may not be able to read: each user tier runs from
  # a copy of its own (sources, build and node_modules; ~3 s), made while no tier runs.
  local name=$1 user uid home
  test_user || return 1
  local copy=$home/agentctl-test-$name
  rm -rf "$copy" && mkdir -p "$copy"
  tar -C . --exclude=./.git -cf - . | tar -C "$copy" -xf - || return 1
  chown -R "$user:" "$copy"
}
run_user_tier() { # NAME ENGINE SETUP: the integration tier as the test user; fails (never skips) without it
  local name=$1 engine=$2 setup=$3 user uid home
  echo "=== $name ===" >&2
  test_user || return 1
  local copy=$home/agentctl-test-$name
  [ -f "$copy/package.json" ] || prepare_user_tier "$name" || return 1
  local status=0
  (cd "$copy" && setpriv --reuid "$user" --regid "$user" --init-groups \
    env -i HOME="$home" USER="$user" LOGNAME="$user" PATH="$PATH" XDG_RUNTIME_DIR="/run/user/$uid" \
      AGENTCTL_TEST_ENGINE="$engine" AGENTCTL_TEST_SETUP="$setup" ${AGENTCTL_TEST_STATE:+AGENTCTL_TEST_STATE="$AGENTCTL_TEST_STATE"} \
      npx vitest run --project integration --reporter=default --reporter=json --outputFile.json="$copy/report.json" ${AGENTCTL_USER_TIER_FILES:-}) || status=1
  cp "$copy/report.json" "$results/$name.json" 2>/dev/null || status=1
  rm -rf "$copy"
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
# The four integration tiers in two rounds of two side by side: each round pairs a Docker tier with
# a Podman one (no engine serves both) and root with the test user (no data directory is shared),
# and the tiers mostly wait on their engine. The output of each tier is printed when it ends.
# AGENTCTL_TEST_SERIAL=1 runs them one after another instead.
side_by_side() { # TIER... (each: NAME,KIND,ENGINE,SETUP; KIND root or user)
  local pids=() names=() specs=() spec name kind engine setup i
  for spec in "$@"; do
    IFS=, read -r name kind engine setup <<<"$spec"
    wants "$name" || continue
    if [ -n "${AGENTCTL_TEST_SERIAL:-}" ]; then
      if [ "$kind" = user ]; then run_user_tier "$name" "$engine" "$setup" || status=1
      else run_tier "$name" "$engine" integration || status=1; fi
      continue
    fi
    # The user's copies are made before any tier of the round writes into the checkout.
    if [ "$kind" = user ]; then prepare_user_tier "$name" || { status=1; continue; }; fi
    specs+=("$spec")
  done
  for spec in "${specs[@]}"; do
    IFS=, read -r name kind engine setup <<<"$spec"
    if [ "$kind" = user ]; then run_user_tier "$name" "$engine" "$setup" >"$results/$name.log" 2>&1 &
    else run_tier "$name" "$engine" integration >"$results/$name.log" 2>&1 & fi
    pids+=($!)
    names+=("$name")
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || status=1
    cat "$results/${names[$i]}.log" >&2
  done
}
side_by_side integration-docker,root,docker, integration-podman-rootless,user,podman,podman-rootless
side_by_side integration-podman,root,podman, integration-docker-user,user,docker,docker-user
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
