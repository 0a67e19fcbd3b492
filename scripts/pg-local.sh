#!/usr/bin/env bash
# Start a throwaway PostgreSQL cluster on loopback for the test suites (used by .ci/run).
# Prints the TEST_DATABASE_URL to use. Usage: scripts/pg-local.sh [port] [dir]
set -euo pipefail
port="${1:-55432}"
dir="${2:-/tmp/civicgrid-pg-$port}"
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }
run() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if ! run "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
  if [ ! -f "$dir/PG_VERSION" ]; then
    rm -rf "$dir"; mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    run "$bin/initdb" -D "$dir" --auth=trust --username=postgres --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  fi
  run "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w start \
    -o "-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null
fi
echo "postgres://postgres@127.0.0.1:$port/postgres"
