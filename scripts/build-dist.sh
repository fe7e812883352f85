#!/usr/bin/env bash
# Bundles the entry points with ncc into OUT (default dist/): main and post (what action.yml
# runs), the CLI, and the workers the three start for each call of @actions/cache and of
# @actions/artifact (they must sit beside them: dist/cache-worker, dist/artifact-worker; two
# bundles, so a cache call never loads the artifact client). `npm run build` and
# scripts/check-dist.sh both use it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
export PATH="$PWD/node_modules/.bin:$PATH"
ncc build src/index.ts -o "$out/main" --license licenses.txt --target es2022
ncc build src/post-entry.ts -o "$out/post" --target es2022
ncc build src/cli-entry.ts -o "$out/cli" --target es2022
ncc build src/actions-cache/worker-entry.ts -o "$out/cache-worker" --license licenses.txt --target es2022
ncc build src/actions-artifact/worker-entry.ts -o "$out/artifact-worker" --license licenses.txt --target es2022
