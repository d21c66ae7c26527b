#!/usr/bin/env bash
# make bench: every benchmark under bench/, each in a fresh database of the throwaway
# PostgreSQL that scripts/with-postgres.sh started. Each prints its table and merges
# its figures into bench/results.json. BENCH_ONLY=name runs just bench/bench_name.py.
set -uo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=fleetops.settings DEBUG=true
: "${DATABASE_URL:?run through scripts/with-postgres.sh (make bench does)}"
server="${DATABASE_URL%/*}"
failed=()
for bench in bench/bench_*.py; do
  name="$(basename "$bench" .py)"
  [ -n "${BENCH_ONLY:-}" ] && [ "$name" != "bench_${BENCH_ONLY}" ] && continue
  echo
  echo "==> $bench"
  .venv/bin/python - "$name" <<'PY'
import os, sys, psycopg
with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as conn:
    conn.execute(f'DROP DATABASE IF EXISTS "{sys.argv[1]}"')
    conn.execute(f'CREATE DATABASE "{sys.argv[1]}"')
PY
  export DATABASE_URL="$server/$name"
  if ! { .venv/bin/python manage.py migrate --noinput -v0 && .venv/bin/python "$bench"; }; then
    failed+=("$name")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "Benchmarks that failed: ${failed[*]}" >&2
  exit 1
fi
echo
echo "Figures written to bench/results.json"
