#!/usr/bin/env bash
# Fails when dist/ is not what `npm run build` makes from the sources (dist/ is what runners execute).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export PATH="$PWD/node_modules/.bin:$PATH"
ncc build src/index.ts -o "$out/main" --license licenses.txt --target es2022 >/dev/null 2>&1
ncc build src/post-entry.ts -o "$out/post" --target es2022 >/dev/null 2>&1
ncc build src/cli-entry.ts -o "$out/cli" --target es2022 >/dev/null 2>&1
if ! diff -r -q "$out" dist >/dev/null; then
  echo "dist/ is stale: run 'npm run build' and commit the result" >&2
  diff -r -q "$out" dist >&2 || true
  exit 1
fi
echo "dist/ is fresh"
