#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the postgres adapter's tests.
#
#   eval "$(bash .ci/postgres.sh start)"   # exports OAT_TEST_PG_URL and OAT_PG_DIR
#   bash .ci/postgres.sh stop              # stops the cluster in $OAT_PG_DIR and removes it
#
# `start` prints only `export` lines on stdout (progress goes to stderr), so its
# output can be eval'd. The cluster lives in a temp dir, listens on 127.0.0.1
# on a free port, trusts local connections (test data only) and runs with
# fsync off: it is fast and disposable, never a place for real data.
# Installs Debian's `postgresql` when no server binaries are found (needs root).
set -euo pipefail

say() { printf 'postgres.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

find_bindir() {
  local dir
  dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [[ -n "$dir" && -x "$dir/initdb" && -x "$dir/pg_ctl" ]]; then printf '%s\n' "$dir"; fi
}

install_server() {
  [[ $(id -u) -eq 0 ]] || die "PostgreSQL is not installed and installing it needs root: apt-get install postgresql"
  say "installing Debian's postgresql (no server binaries under /usr/lib/postgresql)"
  # The package would otherwise create and start a default cluster on port 5432.
  mkdir -p /etc/postgresql-common/createcluster.d
  printf 'create_main_cluster = false\n' > /etc/postgresql-common/createcluster.d/oat-no-main-cluster.conf
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
}

free_port() {
  node -e "const s=require('node:net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close();});"
}

# Runs a server binary as the `postgres` user when we are root (initdb refuses
# root), as ourselves otherwise.
as_owner() {
  # From /, since the postgres user may not be allowed into the caller's directory.
  if [[ $(id -u) -eq 0 ]]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

# Stops a server that may be running in $1 (a directory made by `start`) and
# removes the directory. Output goes to stderr: `start`'s stdout is eval'd.
abandon() {
  local dir=$1 bindir=$2
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -w -t 30 stop -m immediate >&2 || say "pg_ctl stop failed in $dir"
  fi
  rm -rf "$dir"
}

start() {
  local bindir dir port attempt
  bindir=$(find_bindir)
  if [[ -z "$bindir" ]]; then
    install_server
    bindir=$(find_bindir)
    [[ -n "$bindir" ]] || die "installed postgresql but found no initdb under /usr/lib/postgresql/*/bin"
  fi
  dir=$(mktemp -d "${TMPDIR:-/tmp}/oat-pg.XXXXXX")
  # Until the export lines are out, the caller cannot know $dir: any way out
  # of this script (a failure, die, a signal) stops the server and removes it.
  # The values are expanded now, since the trap may run outside this function.
  trap "abandon $(printf '%q %q' "$dir" "$bindir")" EXIT
  trap 'exit 1' HUP INT TERM
  if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir"; fi
  as_owner "$bindir/initdb" -A trust --no-sync -U postgres -E UTF8 --locale=C -D "$dir/data" > "$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; die "initdb failed"; }
  # The port is free when chosen but could be taken before the server binds it: retry.
  for attempt in 1 2 3; do
    port=$(free_port)
    if as_owner "$bindir/pg_ctl" -w -t 30 -D "$dir/data" -l "$dir/server.log" start \
      -o "-k $dir -c listen_addresses=127.0.0.1 -p $port -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" > /dev/null; then
      break
    fi
    [[ $attempt -lt 3 ]] || { cat "$dir/server.log" >&2; die "the server did not start"; }
    # A start that timed out may have left a postmaster running: the retry would collide with its postmaster.pid.
    if [[ -f "$dir/data/postmaster.pid" ]]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -w -t 30 stop -m immediate >&2 || say "pg_ctl stop failed; retrying anyway"
    fi
  done
  as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres oat_test || die "createdb failed"
  say "PostgreSQL $("$bindir/pg_ctl" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir"
  printf 'export OAT_TEST_PG_URL=%q\n' "postgres://postgres@127.0.0.1:$port/oat_test"
  printf 'export OAT_PG_DIR=%q\n' "$dir"
  # From here on the cluster is the caller's, to stop with `stop`.
  trap - EXIT HUP INT TERM
}

stop() {
  local dir=${1:-${OAT_PG_DIR:-}} bindir
  [[ -n "$dir" ]] || { say "nothing to stop (OAT_PG_DIR is not set)"; return 0; }
  # Only ever remove a directory this script made.
  [[ "$(basename "$dir")" == oat-pg.* ]] || die "refusing to remove $dir: not made by postgres.sh"
  [[ -d "$dir" ]] || return 0
  bindir=$(find_bindir)
  if [[ -n "$bindir" && -f "$dir/data/postmaster.pid" ]]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" stop -m fast > /dev/null || say "pg_ctl stop failed; removing the directory anyway"
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) die "usage: bash .ci/postgres.sh start|stop [dir]" ;;
esac
