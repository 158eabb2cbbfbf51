#!/usr/bin/env bash
# The one-shot formatting commit, for the lead to run once every branch of the wave is merged: Biome formats every
# file .biome.jsonc includes. Twice, because Biome 2.6 settles some long method chains (zod schemas) only on a
# second pass; then the same check CI runs (`npm run lint` includes `biome check`, format in check mode) and tsc.
set -euo pipefail
cd "$(dirname "$0")/.."
npx biome format --write
npx biome format --write
npx biome check
npx tsc --noEmit
git add -A -- src test docs .ci '*.ts'
git commit -m "Format: biome format over the tree (the one-shot formatting commit; no change of behaviour)"
