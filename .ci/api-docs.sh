#!/usr/bin/env bash
# Checks the API reference: TypeDoc builds it from src/ without a warning (an
# undocumented export or a broken {@link} fails), and docs/api holds exactly
# what it builds. The fix in both cases ends with `npm run docs:api`.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! npx --no-install typedoc --options .config/typedoc.jsonc --out "$tmp/api" --logLevel Warn; then
  echo "api-docs: TypeDoc reported the problems above. Document each export it names (or fix the link), then run: npm run docs:api" >&2
  exit 1
fi
if ! diff -ru docs/api "$tmp/api"; then
  echo "api-docs: docs/api is out of date with src/. Fix: npm run docs:api, then commit docs/api" >&2
  exit 1
fi
echo "api-docs: docs/api is current and TypeDoc has no warnings"
