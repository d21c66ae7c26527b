# Sourced by run.sh and serve.sh: stop the processes they started.
#
# stop_all PID...: SIGTERM to each, then up to STOP_GRACE_SECONDS (20) for them and the
# processes they had started to exit; whatever is left (a django-q2 cluster stuck in its
# stop: django-q2 issue #346, a signal handler that deadlocks on its stop event; workers
# whose sentinel died first) is killed, so Ctrl-C never leaves a hung cluster or orphaned
# task workers behind. A task killed
# mid-run leaves its run row "running"; the next cluster's start marks it failed.

descendants() {  # every process below PID, children first found first
  local child
  for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}

stop_all() {
  local pid left waited=0 tree
  tree="$(for pid in "$@"; do echo "$pid"; descendants "$pid"; done)"  # before they change
  kill -TERM "$@" 2>/dev/null || true
  while [ "$waited" -lt "${STOP_GRACE_SECONDS:-20}" ]; do
    left=0
    for pid in $tree; do kill -0 "$pid" 2>/dev/null && left=1; done
    [ "$left" = 0 ] && break
    sleep 1
    waited=$((waited + 1))
  done
  left="$(for pid in $tree; do kill -0 "$pid" 2>/dev/null && echo "$pid"; done || true)"
  if [ -n "$left" ]; then
    echo "Not stopped within ${STOP_GRACE_SECONDS:-20} s: killing" $left >&2
    kill -KILL $left 2>/dev/null || true
  fi
  wait 2>/dev/null || true
}
