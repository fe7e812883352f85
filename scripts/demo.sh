#!/usr/bin/env bash
# The demo: brings the stack up, then runs the bundled action on examples/hello the way a
# runner does, twice on fresh runners: a push to main (saves the size baseline and the Go
# caches through a loopback Actions cache service), then a pull request with a one-line change
# (restores them, and shows the size comment a reviewer sees). It empties the engine's BuildKit
# cache before each run, as a fresh runner has none.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/node ] || npm ci --no-fund --no-audit
export PATH="$PWD/node_modules/.bin:$PATH"
bash scripts/stack.sh up
exec node --import ./scripts/demo/register-ts.mjs scripts/demo.ts
