#!/usr/bin/env bash
# Installs the packed tarball into an empty project and checks that every
# entry point loads with `import` (ESM) and `require` (CJS).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$(npm pack --silent --pack-destination "$tmp" | tail -n 1)
# Every entry is imported; those with a "require" condition are required too.
list_entries() {
  node -e 'const e = require("./package.json").exports; console.log(Object.keys(e).filter((k) => k !== "./package.json" && (process.argv[1] === "all" || e[k].require)).map((k) => k.replace(/^\./, "org-access-tokens")).join(" "))' "$1"
}
entries=$(list_entries all)
cjs_entries=$(list_entries cjs)
cd "$tmp"
npm init -y >/dev/null
npm install --silent --no-audit --no-fund "./$tarball" zod date-fns jose fast-check vitest >/dev/null
for entry in $entries; do
  node --input-type=module -e "const m = await import('$entry'); if (Object.keys(m).length === 0) throw new Error('$entry (ESM) exports nothing'); console.log('import  $entry:', Object.keys(m).length, 'exports');"
done
for entry in $cjs_entries; do
  node -e "const m = require('$entry'); if (Object.keys(m).length === 0) throw new Error('$entry (CJS) exports nothing'); console.log('require $entry:', Object.keys(m).length, 'exports');"
done
node --input-type=module -e "
import { createTokenService, createMemoryTokenStore } from 'org-access-tokens';
const service = createTokenService({ store: createMemoryTokenStore(), organizations: [{ name: 'acme', plan: 'team', owners: ['alice'] }] });
const { secret } = await service.create({ username: 'alice' }, 'acme', { label: 'smoke', resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }] });
const login = await service.authenticate('acme', secret.reveal());
if (!login.ok) throw new Error('smoke login failed: ' + login.code);
console.log('smoke: ESM build creates and authenticates a token');
"
