#!/usr/bin/env bash
# make bench: every benchmark under bench/, on the throwaway PostgreSQL that
# scripts/with-postgres.sh started. Prints a table per benchmark and merges
# figures into bench/results.json.
set -euo pipefail
cd "$(dirname "$0")/.."
export DJANGO_SETTINGS_MODULE=fleetops.settings DEBUG=true
.venv/bin/python manage.py migrate --noinput >/dev/null
for bench in bench/bench_*.py; do
  [ -e "$bench" ] || continue
  echo "==> $bench"
  .venv/bin/python "$bench"
done
