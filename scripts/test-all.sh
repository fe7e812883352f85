#!/usr/bin/env bash
# The whole test suite, end-to-end included, on a fresh machine: installs the project's
# dependencies (Node 24 among them), brings the real stack up, type-checks, then runs
# the unit tests and the end-to-end tests (one file at a time: they share one engine).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/node ] || npm ci --no-fund --no-audit
export PATH="$PWD/node_modules/.bin:$PATH"
echo "node $(node --version)"
bash scripts/stack.sh up
tsc --noEmit
vitest run test/unit
vitest run test/e2e --no-file-parallelism "$@"
