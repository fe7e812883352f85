#!/usr/bin/env bash
# The demo: brings the stack up, then runs the bundled action on examples/hello the way a
# runner does (build for two platforms, push to the local registry) and prints what it did.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/node ] || npm ci --no-fund --no-audit
export PATH="$PWD/node_modules/.bin:$PATH"
bash scripts/stack.sh up
node scripts/demo.ts
