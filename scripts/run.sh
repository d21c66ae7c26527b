#!/usr/bin/env bash
# make run: migrate the embedded SQLite database, load demo data on first start,
# then run the web server and a django-q2 cluster together. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-true}"
PY=.venv/bin/python
HOST="${HOST:-127.0.0.1}"
PORT="${PORT:-8000}"

# A busy port is found before the migrations and the demo data, not after them.
if ! $PY -c 'import socket, sys; socket.create_server((sys.argv[1], int(sys.argv[2]))).close()' \
  "$HOST" "$PORT" 2>/dev/null; then
  echo "Port $PORT on $HOST is already in use (another FleetOps still running?)." >&2
  echo "Stop it, or start on another port: PORT=8001 make run" >&2
  exit 1
fi

$PY manage.py migrate --noinput
$PY manage.py demo_setup

. scripts/stop.sh
pids=()
cleanup() {
  trap - INT TERM EXIT
  stop_all "${pids[@]}"
  echo "FleetOps stopped."
}
trap cleanup INT TERM EXIT

$PY manage.py qcluster &
pids+=($!)
$PY manage.py runserver --noreload "$HOST:$PORT" &
pids+=($!)
echo
echo "FleetOps is running on http://$HOST:$PORT/  (demo logins in README.md; Ctrl-C stops the web server and the task cluster)"
# Stop everything as soon as either process exits.
wait -n "${pids[@]}"
