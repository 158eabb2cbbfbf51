#!/usr/bin/env bash
# End-to-end check of the registry token endpoint with real software:
# Debian's docker-registry (CNCF distribution 2.8), skopeo, containerd's ctr
# (the OAuth2 POST flow) and podman, plus the docker CLI for `docker login`
# when present. Installs the packages that are missing (as root, Debian),
# then runs test/e2e/registry.e2e.ts.
# Everything listens on 127.0.0.1 random ports and is torn down at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
[ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
[ -x /usr/bin/containerd ] && [ -x /usr/bin/ctr ] || missing+=(containerd)
[ -x /usr/bin/podman ] || missing+=(podman)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Package lists may be absent on a fresh machine: update once, then retry.
  if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
    apt-get update
    apt-get install -y --no-install-recommends "${missing[@]}"
  fi
fi

# The run bounds itself (a watchdog, and a timeout on every child); this is the backstop.
timeout --kill-after=15 240 npx tsx test/e2e/registry.e2e.ts
