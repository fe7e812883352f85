#!/usr/bin/env bash
# Bundles the three entry points with ncc into OUT (default dist/): main and post (what
# action.yml runs) and the CLI. `npm run build` and scripts/check-dist.sh both use it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
export PATH="$PWD/node_modules/.bin:$PATH"
ncc build src/index.ts -o "$out/main" --license licenses.txt --target es2022
ncc build src/post-entry.ts -o "$out/post" --target es2022
ncc build src/cli-entry.ts -o "$out/cli" --target es2022
