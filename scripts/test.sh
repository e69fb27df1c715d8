#!/usr/bin/env bash
# `npm test`: set up; static checks (typecheck of the harness and the k6 scripts, lint and format,
# the module map); the unit and integration tests (the chaos faults and drills among them); then a
# full conformance run, with kube-state-metrics watching a real Kubernetes API server (obsconf
# kube-api), and a load run, both on the local runtime at the ci profile. Fails when any step fails.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
step() { echo "npm test: $1 after $((SECONDS - started)) s"; }

bash scripts/setup.sh
step "set up"
npx tsc --noEmit
npx tsc -p load/k6 --noEmit
npm run --silent lint
step "typecheck, lint, format and module map"
npx vitest run
step "unit and integration tests"

# kube-state-metrics needs an API server: a real one (etcd, kube-apiserver, kwok's fake node) for the run.
work="$(mktemp -d)"
api_pid=""
cleanup() {
  if [ -n "$api_pid" ]; then kill -INT "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
kubeconfig=""
node bin/obsconf.mjs kube-api --kubeconfig-out "$work/ksm.kubeconfig" > "$work/kube-api.log" 2>&1 &
api_pid=$!
for _ in $(seq 120); do
  if grep -q " ready; " "$work/kube-api.log"; then kubeconfig="$work/ksm.kubeconfig"; break; fi
  if ! kill -0 "$api_pid" 2>/dev/null; then break; fi
  sleep 1
done
if [ -z "$kubeconfig" ]; then
  echo "npm test: no Kubernetes API server for kube-state-metrics (its check is unavailable with the reason):" >&2
  tail -5 "$work/kube-api.log" >&2 || true
fi
OBSCONF_KUBECONFIG="$kubeconfig" node bin/obsconf.mjs run conformance --profile ci
step "conformance run"
node bin/obsconf.mjs run load --profile ci
step "load run"
