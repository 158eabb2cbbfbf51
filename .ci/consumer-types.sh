#!/usr/bin/env bash
# Compiles a small consumer of the built package (run `npm run build` first)
# with skipLibCheck: false, in CommonJS and in ESM mode, so that a type the
# public .d.ts / .d.cts pulls from a dependency (date-fns' Duration once gave a
# CommonJS consumer 246 errors from date-fns' own files) fails here.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [ ! -f "$root/dist/index.d.cts" ]; then
  echo "consumer-types: no dist/index.d.cts; run npm run build first" >&2
  exit 1
fi
mkdir -p "$root/.tmp"
tmp=$(mktemp -d "$root/.tmp/consumer-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$root/.ci/consumer/"* "$tmp/"
mkdir -p "$tmp/node_modules"
ln -s "$root" "$tmp/node_modules/org-access-tokens"
ln -s "$root/node_modules/@types" "$tmp/node_modules/@types"
node "$root/node_modules/typescript/bin/tsc" -p "$tmp/tsconfig.json"
echo "consumer-types: the built types compile with skipLibCheck: false (CommonJS and ESM)"
