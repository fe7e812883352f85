#!/usr/bin/env bash
# The whole test suite, end-to-end included, on a fresh machine: installs the project's
# dependencies (Node 24 among them), brings the real stack up with every kind of builder,
# type-checks, then runs the unit tests beside the end-to-end tests (those one file at a time:
# they share one engine).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x node_modules/.bin/node ] || npm ci --no-fund --no-audit
export PATH="$PWD/node_modules/.bin:$PATH"
echo "node $(node --version)"
bash scripts/stack.sh up
# Only the end-to-end tests need the other builders (scripts/stack/builders.sh): they come up
# while the type-check runs. The first time compiles BuildKit (minutes); later times take seconds.
builders_log=$(mktemp)
bash scripts/stack.sh up builders >"$builders_log" 2>&1 &
builders_pid=$!
unit_log=$(mktemp)
unit_pid=
trap 'kill "$builders_pid" $unit_pid 2>/dev/null || true; rm -f "$builders_log" "$unit_log"' EXIT
tsc --noEmit
builders_ok=0
wait "$builders_pid" || builders_ok=$?
cat "$builders_log" >&2
[ "$builders_ok" = 0 ] || { echo "scripts/stack.sh up builders failed (exit code $builders_ok)" >&2; exit 1; }
# The unit tests run beside the end-to-end tests, which spend much of their time waiting on
# deadlines and on the engine; their report is printed once both are done.
vitest run test/unit >"$unit_log" 2>&1 &
unit_pid=$!
e2e_ok=0
vitest run test/e2e --no-file-parallelism "$@" || e2e_ok=$?
unit_ok=0
wait "$unit_pid" || unit_ok=$?
unit_pid=
echo "== unit tests (run beside the end-to-end tests) =="
cat "$unit_log"
[ "$unit_ok" = 0 ] || echo "the unit tests failed (exit code $unit_ok)" >&2
[ "$e2e_ok" = 0 ] || echo "the end-to-end tests failed (exit code $e2e_ok)" >&2
[ "$unit_ok" = 0 ] && [ "$e2e_ok" = 0 ]
