#!/usr/bin/env bash
# Lints the packed tarball, as npm would publish it: publint (strict) and
# are-the-types-wrong. Expects a fresh `npm run build`.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tarball=$(npm pack --silent --pack-destination "$tmp" | tail -n 1)
npx --no-install publint run --strict "$tmp/$tarball"
npx --no-install attw --profile node16 "$tmp/$tarball"
