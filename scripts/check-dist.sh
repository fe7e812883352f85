#!/usr/bin/env bash
# Fails when dist/ is not what `npm run build` makes from the sources (dist/ is what runners execute).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
bash scripts/build-dist.sh "$out" >/dev/null 2>&1
if ! diff -r -q "$out" dist >/dev/null; then
  echo "dist/ is stale: run 'npm run build' and commit the result" >&2
  diff -r -q "$out" dist >&2 || true
  exit 1
fi
echo "dist/ is fresh"
