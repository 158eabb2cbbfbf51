#!/usr/bin/env bash
# The example app of docs/examples/registry-server as a user gets it: packs
# this package (`npm pack`), installs the tarball into a temporary copy of the
# example, type-checks server.js against the installed types, and runs
# test/e2e/example.e2e.ts: the server, Debian's docker-registry with the
# example's config.yml, skopeo and the docker CLI. Expects a build (dist/);
# installs docker-registry and skopeo when missing, as .ci/registry-e2e.sh does.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
started=$SECONDS

missing=()
[ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi
[ -f dist/index.js ] || npm run build

tmp=$(mktemp -d "${TMPDIR:-/tmp}/oat-example-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
tarball="$tmp/$(npm pack --silent --pack-destination "$tmp" | tail -n 1)"
# The example as committed: not the node_modules, keys or data a local run may have left there.
mkdir "$tmp/app"
tar -C docs/examples/registry-server --exclude=./node_modules --exclude=./certs --exclude=./data --exclude=./package-lock.json -cf - . | tar -C "$tmp/app" -xf -

cd "$tmp/app"
# --prefer-offline: the root `npm ci` has just put every tarball in npm's cache.
# --ignore-scripts: better-sqlite3's install script tries to download a prebuilt
# binary (unreachable from CI) and then compiles SQLite for minutes. The root
# install already holds the addon built for this very Node, so it is copied in
# when the versions agree, and compiled only when they do not.
npm install --prefer-offline --ignore-scripts --no-audit --no-fund "$tarball"
addon=node_modules/better-sqlite3/build/Release/better_sqlite3.node
want=$(node -p 'require("./node_modules/better-sqlite3/package.json").version')
have=$(node -p "require('$root/node_modules/better-sqlite3/package.json').version")
if [ "$want" = "$have" ] && [ -f "$root/$addon" ]; then
  mkdir -p "$(dirname "$addon")"
  cp "$root/$addon" "$addon"
else
  echo "better-sqlite3 $want here, $have in the root install: compiling it"
  npm rebuild better-sqlite3
fi
node -e 'require("better-sqlite3")(":memory:").close()'
echo "example installed from $(basename "$tarball") in $((SECONDS - started)) s"

# The example is JavaScript with // @ts-check: the published types must carry it, under Node's own resolution.
npm run --silent typecheck

cd "$root"
# The run bounds itself (a watchdog, and a timeout on every child); this is the backstop.
timeout --kill-after=15 120 npx tsx test/e2e/example.e2e.ts "$tmp/app"
echo "example e2e took $((SECONDS - started)) s"
