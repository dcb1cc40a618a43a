#!/usr/bin/env bash
# agentctl's main job on a fresh machine: build it, provision a real engine, show what agentctl
# sees, start an agent on a sample workspace in the background, and list it. This machine kind
# reaches no public container registry, so the agent image is the locally built test image
# (set through the same variables a user would use to pick another image).
set -euo pipefail
cd "$(dirname "$0")/.."

npm run --silent build
[ "$(id -u)" = 0 ] && bash scripts/provision-test-engines.sh
export AGENTCTL_IMAGE_REPOSITORY=${AGENTCTL_IMAGE_REPOSITORY:-agentctl-test/busybox}
export AGENTCTL_IMAGE_TAG=${AGENTCTL_IMAGE_TAG:-1.0.0}
agentctl() { node bin/agentctl.js "$@"; }

agentctl version
agentctl doctor || [ $? -eq 10 ]   # doctor exits 10 when a check fails; its report says why
workspace=${AGENTCTL_DEMO_WORKSPACE:-$(mktemp -d -t agentctl-demo.XXXXXX)}
echo "hello from the host" >"$workspace/README"
# A project belongs to a regular user; agentctl runs the agent as the workspace's owner.
[ "$(id -u)" = 0 ] && chown -R 1000:1000 "$workspace"
agentctl rm --force demo >/dev/null 2>&1 || true
agentctl start demo --detach --workspace "$workspace" -- sh -c 'cat /workspace/README; exec sleep 3600'
agentctl ls
agentctl logs demo
echo "Stop and remove it with: node bin/agentctl.js rm --force --volumes demo" >&2
