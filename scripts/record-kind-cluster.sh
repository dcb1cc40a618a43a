#!/usr/bin/env bash
# CI only (.github/workflows/ci.yml, job `kubernetes`): makes a kind cluster on the runner usable
# by test/kubernetes/ as scripts/provision-test-cluster.sh makes the local one — the test images
# (built by scripts/provision-test-engines.sh with Docker) loaded into the node, and
# $AGENTCTL_TEST_STATE/cluster.json written. The git remote of the tests listens on the host's
# address on kind's Docker network (its gateway), which Pods reach through the node.
# Usage: record-kind-cluster.sh CLUSTER_NAME. Runs as root.
set -euo pipefail
NAME=${1:?cluster name}
STATE=${AGENTCTL_TEST_STATE:-/run/agentctl-test}
TEST_IMAGES=(agentctl-test/busybox:1.0.0 agentctl-test/debian:bookworm)
mkdir -p "$STATE"
kind load docker-image --name "$NAME" "${TEST_IMAGES[@]}"
kind get kubeconfig --name "$NAME" >"$STATE/kubeconfig"
export KUBECONFIG=$STATE/kubeconfig
node=$(kubectl get nodes -o jsonpath='{.items[0].metadata.name}')
gateway=$(docker network inspect kind -f '{{range .IPAM.Config}}{{if .Gateway}}{{.Gateway}} {{end}}{{end}}' | tr ' ' '\n' | grep -m1 -E '^[0-9.]+$')
server=$(kubectl config view --minify -o jsonpath='{.clusters[0].cluster.server}')
context=$(kubectl config current-context)
storage=$(kubectl get storageclass -o jsonpath='{.items[0].metadata.name}')
kubectl wait --for=condition=Ready "node/$node" --timeout=120s
until kubectl -n default get serviceaccount default >/dev/null 2>&1; do sleep 1; done
cat >"$STATE/cluster.json" <<JSON
{
  "kubeconfig": "$STATE/kubeconfig",
  "context": "$context",
  "server": "$server",
  "node": "$node",
  "nodeIp": "$gateway",
  "storageClass": "$storage",
  "testImage": "agentctl-test/busybox:1.0.0",
  "gitImage": "agentctl-test/debian:bookworm"
}
JSON
echo "[kind] $NAME ready: $STATE/cluster.json (node $node, git remote on $gateway)" >&2
