#!/usr/bin/env bash
# Lints the packed tarball, as npm would publish it: publint (strict) and
# are-the-types-wrong. Expects a fresh `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$(npm pack --silent --pack-destination "$tmp" | tail -n 1)
npx --no-install publint run --strict "$tmp/$tarball"
# Dual entries must resolve for both formats; ./testing is ESM only (vitest cannot be required).
npx --no-install attw "$tmp/$tarball" --profile node16 --exclude-entrypoints ./testing
npx --no-install attw "$tmp/$tarball" --profile esm-only --entrypoints ./testing
