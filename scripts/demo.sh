#!/usr/bin/env bash
# agentctl's main job on a fresh machine (`npm ci && bash scripts/demo.sh`): build agentctl,
# provision a real engine, build the real agent image locally, start a real Claude Code agent on a
# sample project, show what agentctl sees, and leave the agent running.
#
# No public container registry is reachable on this machine kind, so the image is built from a slim
# Debian base made locally (scripts/debian-base.sh, from the rootfs the provisioning debootstrapped).
# Quick path: an image built from the same inputs is reused (its io.agentctl.build-inputs label), so
# a second run builds nothing; AGENTCTL_DEMO_IMAGE=REF uses an image you already have instead.
# With ANTHROPIC_API_KEY set, the agent gets it as a secret file (never in its configuration).
set -euo pipefail
cd "$(dirname "$0")/.."
began=$(date +%s)
step() { echo "[demo $(($(date +%s) - began))s] $*" >&2; }
agentctl() { node bin/agentctl.js "$@"; }

step "building agentctl"
npm run --silent build
if [ "$(id -u)" = 0 ]; then
  step "provisioning the engines (scripts/provision-test-engines.sh)"
  bash scripts/provision-test-engines.sh
fi

repository=${AGENTCTL_DEMO_REPOSITORY:-agentctl-demo/agent}
if [ -n "${AGENTCTL_DEMO_IMAGE:-}" ]; then
  image=$AGENTCTL_DEMO_IMAGE
else
  image=$repository:demo
  # The rootfs the provisioning debootstrapped, when there is one (otherwise debootstrap runs now).
  rootfs=(--rootfs "${AGENTCTL_TEST_STATE:-/run/agentctl-test}/debian-bookworm.tar")
  [ -f "${rootfs[1]}" ] || rootfs=()
  step "a slim Debian base (scripts/debian-base.sh)"
  base=$(bash scripts/debian-base.sh "${rootfs[@]}" --engine docker)
  # HTTPS is intercepted on this machine kind: the host's CA bundle is trusted in the build and image.
  ca=()
  [ -f /etc/ssl/certs/ca-certificates.crt ] && ca=(--extra-ca /etc/ssl/certs/ca-certificates.crt)
  step "the agent image $image (a few minutes the first time; reused after)"
  agentctl image build base --base-image "$base" "${ca[@]}" --repository "$repository" --tag demo
fi
export AGENTCTL_IMAGE_REPOSITORY=${image%:*} AGENTCTL_IMAGE_TAG=${image##*:}

step "agentctl version"
agentctl version
step "agentctl doctor"
agentctl doctor || [ $? -eq 10 ] # doctor exits 10 when a check fails; its report says why

workspace=${AGENTCTL_DEMO_WORKSPACE:-$(mktemp -d -t agentctl-demo.XXXXXX)}
if [ ! -e "$workspace/.git" ]; then
  step "a sample project in $workspace"
  mkdir -p "$workspace"
  cat >"$workspace/README.md" <<'EOF'
# greet

A tiny sample project for an agent: `node greet.js NAME` prints a greeting.
Ideas for the agent: add a `--shout` flag, and a test.
EOF
  cat >"$workspace/greet.js" <<'EOF'
const name = process.argv[2] ?? 'world';
console.log(`Hello, ${name}!`);
EOF
  git -C "$workspace" -c init.defaultBranch=main init -q
  git -C "$workspace" add -A
  git -C "$workspace" -c user.name=demo -c user.email=demo@example.invalid commit -qm "A sample project"
fi
# A project belongs to a regular user; agentctl runs the agent as the workspace's owner.
[ "$(id -u)" = 0 ] && chown -R 1000:1000 "$workspace"

secret=()
[ -n "${ANTHROPIC_API_KEY:-}" ] && secret=(--secret ANTHROPIC_API_KEY)
agentctl rm --force --volumes demo >/dev/null 2>&1 || true
step "starting Claude Code on the sample project"
# Claude Code's first run checks that it reaches api.anthropic.com and exits when it cannot (this
# machine kind reaches only package registries): a finished first-run record in the agent's home
# (~/.claude.json, kept in its home volume) lets it start and wait for you; /login still works.
agentctl start demo --detach --workspace "$workspace" "${secret[@]}" -- sh -c \
  '[ -e "$HOME/.claude.json" ] || printf "%s\n" "{\"hasCompletedOnboarding\": true}" >"$HOME/.claude.json"; exec claude'
# Claude Code is up when it shows its first screen (it asks whether to trust the folder).
for _ in $(seq 1 60); do
  screen=$(agentctl logs demo 2>/dev/null || true)
  [[ $screen == *trust* ]] && break
  sleep 1
done
step "agentctl ls"
agentctl ls
step "claude --version, from inside the agent"
agentctl exec demo -- claude --version
step "the agent's screen (its log)"
# Its terminal output, without the escape sequences (a cursor move between words becomes a space).
agentctl logs demo 2>/dev/null | sed 's/\x1b\[[0-9]*G/ /g; s/\x1b\[[0-9;?<>]*[a-zA-Z]//g; s/\x1b[]78][^ ]*//g' \
  | grep -E 'Claude Code|trust' | head -3 || true
step "done"
cat >&2 <<EOF

The agent "demo" runs Claude Code on $workspace.
  Attach to it:      node bin/agentctl.js attach demo      (detach again with ctrl-\\)
  A shell inside:    node bin/agentctl.js shell demo
  Remove it:         node bin/agentctl.js rm --force --volumes demo
$([ ${#secret[@]} -eq 0 ] && echo "  No ANTHROPIC_API_KEY was set: log in with /login after attaching, or run the demo again with it set.")
EOF
