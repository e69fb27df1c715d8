#!/usr/bin/env bash
# `npm test`: set up, run the unit and integration tests, then a full conformance run on the local
# runtime (ci profile). Fails when a test fails or a conformance check fails.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc --noEmit
npx tsc -p load/k6 --noEmit
npx vitest run
node bin/obsconf.mjs run conformance --profile ci
