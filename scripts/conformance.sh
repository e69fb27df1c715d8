#!/usr/bin/env bash
# `npm run conformance -- [flags]`: set up, then `obsconf run conformance` (default profile ci).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec node bin/obsconf.mjs run conformance "$@"
