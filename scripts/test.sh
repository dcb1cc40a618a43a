#!/usr/bin/env bash
# The whole test suite: provisions the engines when absent, then runs the tiers — unit (no
# engine), integration (once against Docker, once against Podman), kubernetes (a one-node cluster
# built from Debian's sources, started for the tier and torn down after it), e2e (packed package).
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

npm run --silent typecheck
npm run --silent lint
npm run --silent lint:workflows  # GitHub workflow schema check (.github/workflows)
npm run --silent build
status=0
run_tier unit '' unit || status=1
run_tier integration-docker docker integration || status=1
run_tier integration-podman podman integration || status=1
if [ "$(id -u)" = 0 ]; then
  bash scripts/provision-test-cluster.sh || status=1
  # Stop the cluster and restore the kernel settings its kubelet changed, unless asked to keep it.
  [ -n "${AGENTCTL_TEST_KEEP_CLUSTER:-}" ] || trap 'bash scripts/teardown-test-cluster.sh; rm -rf "$results"' EXIT
fi
run_tier kubernetes '' kubernetes || status=1
run_tier e2e '' e2e || status=1

node scripts/summarize-tests.mjs "$results"/*.json || status=1
exit $status
