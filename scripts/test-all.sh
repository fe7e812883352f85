#!/usr/bin/env bash
# The whole test suite, end-to-end included, on a fresh machine: installs the project's
# dependencies (Node 24 among them), brings the real stack up with every kind of builder,
# type-checks and runs the unit tests while the builders come up, then runs the end-to-end
# tests (one file at a time: they share one engine). The two suites never run side by side, so
# neither starves the other's timers on a small machine.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/node ] || npm ci --no-fund --no-audit
export PATH="$PWD/node_modules/.bin:$PATH"
echo "node $(node --version)"
bash scripts/stack.sh up
# Only the end-to-end tests need the other builders (scripts/stack/builders.sh): they come up
# while the type-check and the unit tests run. The first time compiles BuildKit (minutes); later
# times take seconds. The unit tests wait on events and fake timers, not on a loaded machine.
builders_log=$(mktemp)
bash scripts/stack.sh up builders >"$builders_log" 2>&1 &
builders_pid=$!
trap 'kill "$builders_pid" 2>/dev/null || true; rm -f "$builders_log"' EXIT
tsc --noEmit
unit_ok=0
vitest run test/unit || unit_ok=$?
builders_ok=0
wait "$builders_pid" || builders_ok=$?
cat "$builders_log" >&2
[ "$builders_ok" = 0 ] || { echo "scripts/stack.sh up builders failed (exit code $builders_ok)" >&2; exit 1; }
e2e_ok=0
vitest run test/e2e --no-file-parallelism "$@" || e2e_ok=$?
[ "$unit_ok" = 0 ] || echo "the unit tests failed (exit code $unit_ok)" >&2
[ "$e2e_ok" = 0 ] || echo "the end-to-end tests failed (exit code $e2e_ok)" >&2
[ "$unit_ok" = 0 ] && [ "$e2e_ok" = 0 ]
