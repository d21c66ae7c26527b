#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL cluster: initdb in a temp dir,
# started on a free loopback port (as the postgres user when we are root, since
# PostgreSQL refuses to run as root), DATABASE_URL exported, everything removed
# afterwards.  Usage: scripts/with-postgres.sh COMMAND [ARGS...]
set -euo pipefail

find_bindir() {
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; then
    pg_config --bindir; return
  fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    [ -x "$d/initdb" ] && { echo "$d"; return; }
  done
  command -v initdb >/dev/null 2>&1 && dirname "$(command -v initdb)"
}

BINDIR="$(find_bindir || true)"
if [ -z "$BINDIR" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "PostgreSQL is not installed: installing it with apt-get…" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    BINDIR="$(find_bindir)"
  else
    echo "PostgreSQL (initdb, pg_ctl) is not installed; install the 'postgresql' package." >&2
    exit 2
  fi
fi

PGTMP="$(mktemp -d /tmp/fleetops-pg.XXXXXX)"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')"
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$PGTMP"
fi
chmod 700 "$PGTMP"

cleanup() {
  as_pg "$BINDIR/pg_ctl" -D "$PGTMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PGTMP"
}
trap cleanup EXIT INT TERM

# Memory and WAL settings a production server on this machine would have, sized the way
# pgtune sizes a dedicated server from its RAM: shared buffers a quarter of it (at most
# 8 GB), the planner's cache estimate three quarters, maintenance memory a sixteenth (at
# most 2 GB). The defaults (128 MB buffers, 4 MB work_mem, 1 GB max_wal_size) make
# million-row sorts spill to disk and bulk loads checkpoint constantly; buffers much
# smaller than the data make a large reconciliation evict and write back its own pages.
# FLEETOPS_PG_OPTS adds or overrides settings ("-c name=value ...").
ram_mb="$(awk '/^MemTotal:/ {print int($2 / 1024)}' /proc/meminfo 2>/dev/null || true)"
ram_mb="${ram_mb:-4096}"
between() { local v=$1; [ "$v" -lt "$2" ] && v=$2; [ "$v" -gt "$3" ] && v=$3; echo "$v"; }
PG_TUNING="-c shared_buffers=$(between $((ram_mb / 4)) 128 8192)MB -c work_mem=32MB \
-c maintenance_work_mem=$(between $((ram_mb / 16)) 64 2048)MB -c max_wal_size=4GB \
-c effective_cache_size=$(between $((ram_mb * 3 / 4)) 512 1048576)MB ${FLEETOPS_PG_OPTS:-}"
as_pg "$BINDIR/initdb" -D "$PGTMP/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
as_pg "$BINDIR/pg_ctl" -D "$PGTMP/data" -l "$PGTMP/server.log" -w -t 60 start \
  -o "-p $PORT -k $PGTMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 $PG_TUNING" >/dev/null
as_pg "$BINDIR/createdb" -h 127.0.0.1 -p "$PORT" -U postgres fleetops

export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/fleetops"
export FLEETOPS_PG_BINDIR="$BINDIR"
echo "Throwaway PostgreSQL $("$BINDIR/postgres" --version | awk '{print $3}') on port $PORT" >&2
set +e
"$@"
status=$?
set -e
exit $status
