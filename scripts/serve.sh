#!/usr/bin/env bash
# make serve: FleetOps' production topology on PostgreSQL: gunicorn + a django-q2 cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?make serve runs on PostgreSQL: set DATABASE_URL=postgres://...}"
PY=.venv/bin/python
$PY manage.py migrate --noinput
$PY manage.py collectstatic --noinput >/dev/null
. scripts/stop.sh
pids=()
cleanup() { trap - INT TERM EXIT; stop_all "${pids[@]}"; }
trap cleanup INT TERM EXIT
$PY manage.py qcluster &
pids+=($!)
# --timeout: the admin's CSV exports stream a whole list (a million vehicles take about two
# minutes); gunicorn's default of 30 s would kill a sync worker mid-download
.venv/bin/gunicorn fleetops.wsgi --bind "${BIND:-127.0.0.1:8000}" --workers "${WEB_CONCURRENCY:-4}" \
  --timeout "${WEB_TIMEOUT:-300}" --access-logfile - &
pids+=($!)
wait -n "${pids[@]}"
