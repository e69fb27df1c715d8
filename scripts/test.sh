#!/usr/bin/env bash
# `npm test`: set up, typecheck (the harness and the k6 scripts), run the unit and integration
# tests (the chaos faults and drill among them), then a full conformance run and a load run on the
# local runtime (ci profile). Fails when a test fails or a conformance or load check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc --noEmit
npx tsc -p load/k6 --noEmit
npx vitest run
node bin/obsconf.mjs run conformance --profile ci
node bin/obsconf.mjs run load --profile ci
