"""Liveness of background runs: a heartbeat for the living, a reaper for the dead.

A worker killed with SIGKILL (or a machine lost) cannot mark its run failed: the row
would say "running" forever. Long runs therefore touch ``heartbeat_at`` between batches
(:func:`run_heartbeat`), and :func:`runs_reap_stale` marks every ``running`` run whose
heartbeat (or start, if it never beat) is older than ``stale_after`` as failed, with an
error saying so. It runs at the start of every new run of the same kind and from a
django-q2 schedule (every 5 minutes, ``fleetops/migrations/0004``).

The default ``stale_after`` is ``settings.FLEETOPS_RUN_STALE_SECONDS`` (the cluster's
retry delay): a cluster task cannot outlive ``Q_TIMEOUT``, so a run silent for longer
than that has no worker left.

On PostgreSQL a dead worker is also recognised at once, without waiting for silence:
the first heartbeat takes a shared session-level advisory lock named after the run, in
the worker's own database session, and every later session of that process (a
reconnect, a child forked to share the work) takes it again while the run still runs.
A session ends with its process (SIGKILL, a lost machine: PostgreSQL drops the socket
and every lock of the session), so a ``running`` run that has beaten, has been silent
for :func:`owner_grace` (60 s) and whose lock no session holds (an exclusive try
succeeds) has no worker left: it is failed by the same reaper, which also runs when a
cluster's workers start (``post_spawn``). A run alive on any other cluster still holds
its lock and is never touched; a lock key shared by accident (a hash collision) only
keeps a dead run waiting for the silence rule. Needs direct sessions (no transaction
pooler between Django and PostgreSQL).
"""

from __future__ import annotations

import logging
import weakref
import zlib
from collections.abc import Iterable
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.backends.base.base import NO_DB_ALIAS
from django.db.backends.signals import connection_created
from django.db.models import Q
from django.utils import timezone

from fleetops.models import RunBase, RunStatus

logger = logging.getLogger(__name__)

# Where each kind of run reports its metrics (monitoring.services.run_finished).
MONITORING_SOURCES = {
    "invoices.ingestrun": "invoices.ingest",
    "inventory.feedimport": "inventory.feed",
    "inventory.reconciliationrun": "inventory.reconcile",
    "sales.loadrun": "sales.load",
}


def run_models() -> list[type[RunBase]]:
    """Every concrete run model of the project."""
    return [m for m in apps.get_models() if issubclass(m, RunBase) and not m._meta.abstract]


def default_stale_after() -> timedelta:
    return timedelta(seconds=settings.FLEETOPS_RUN_STALE_SECONDS)


# A run whose owner lock is free is reaped only once it has been silent this long (a
# margin; ``FLEETOPS_RUN_OWNER_GRACE_SECONDS`` overrides it).
def owner_grace() -> timedelta:
    return timedelta(seconds=getattr(settings, "FLEETOPS_RUN_OWNER_GRACE_SECONDS", 60))


# Runs this process has beaten, by owner key. Every new database session of the process
# (a reconnect, or a child forked to share the run's work) takes their owner locks again
# while they still run, so closing a connection never makes a live run look dead.
_mine: dict[tuple[int, int], tuple[type[RunBase], int]] = {}
# The owner locks each open session of this process holds (a new session, even one
# PostgreSQL gives a recycled pid, starts empty).
_held: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _owner_key(model: type[RunBase], pk: int) -> tuple[int, int]:
    """The advisory lock key of a run: (its model's label hashed to int4, its pk in int4)."""
    label = zlib.crc32(model._meta.label_lower.encode()) - 2**31
    return label, pk % 2**31


def _session_locks() -> set[tuple[int, int]] | None:
    """The owner locks this thread's PostgreSQL session holds (None elsewhere)."""
    if connection.vendor != "postgresql":
        return None
    connection.ensure_connection()
    return _held.setdefault(connection.connection, set())


def _lock_shared(cursor, key: tuple[int, int]) -> None:
    # Shared: every session working for the run (forked children too) holds it at once.
    cursor.execute("SELECT pg_advisory_lock_shared(%s, %s)", key)


def _hold_owner_lock(run: RunBase) -> None:
    """Take the run's owner lock in this session (once per session)."""
    held = _session_locks()
    if held is None:
        return
    key = _owner_key(type(run), run.pk)
    _mine[key] = (type(run), run.pk)
    if key not in held:
        with connection.cursor() as cursor:
            _lock_shared(cursor, key)
        held.add(key)


def _relock_on_new_session(sender, connection, **kwargs) -> None:
    """``connection_created``: take the owner locks of this process's runs still running."""
    if connection.vendor != "postgresql" or connection.alias == NO_DB_ALIAS or not _mine:
        return  # the maintenance connection (to the "postgres" database) has no run tables
    by_model: dict[type[RunBase], list[int]] = {}
    for model, pk in _mine.values():
        by_model.setdefault(model, []).append(pk)
    running: set[tuple[int, int]] = set()
    with connection.cursor() as cursor:
        for model, pks in by_model.items():
            cursor.execute(
                f"SELECT {connection.ops.quote_name(model._meta.pk.column)} "
                f"FROM {connection.ops.quote_name(model._meta.db_table)} "
                f"WHERE status = %s AND {connection.ops.quote_name(model._meta.pk.column)} "
                "= ANY(%s)",
                [RunStatus.RUNNING, pks],
            )
            running.update(_owner_key(model, pk) for (pk,) in cursor.fetchall())
        for key in running:
            _lock_shared(cursor, key)
    for key in set(_mine) - running:
        del _mine[key]  # finished: no session needs to claim it any more
    _held.setdefault(connection.connection, set()).update(running)


connection_created.connect(_relock_on_new_session, dispatch_uid="fleetops.runs.relock")


def _owner_gone(model: type[RunBase], pk: int) -> bool:
    """True when no session holds the run's owner lock (every session of its worker ended)."""
    held = _session_locks()
    key = _owner_key(model, pk)
    if held is None or key in held:
        return False  # SQLite, or the run is this session's own
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", key)  # exclusive: no holder
        free = cursor.fetchone()[0]
        if free:
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", key)
    return free


def run_heartbeat(run: RunBase, **progress) -> None:
    """Touch ``run``'s heartbeat (and store ``progress`` fields, e.g. counts so far).

    Call it between batches, outside any batch transaction, so the beat is visible to
    the reaper at once. A run that is no longer ``running`` (reaped) is left as it is.
    """
    now = timezone.now()
    _hold_owner_lock(run)  # before the beat is visible: a beaten run always had its lock
    type(run).objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        heartbeat_at=now, **progress
    )
    run.heartbeat_at = now
    for name, value in progress.items():
        setattr(run, name, value)


def interrupted_message(
    last_seen, *, never_beat: bool = False, by: str = "the stale-run reaper"
) -> str:
    when = timezone.localtime(last_seen).strftime("%Y-%m-%d %H:%M:%S %Z")
    since = f"it started at {when}" if never_beat else when
    return (
        f"interrupted: the worker stopped without finishing (no heartbeat since {since}); "
        f"marked failed by {by}"
    )


def runs_reap_stale(
    *,
    stale_after: timedelta | None = None,
    models: Iterable[type[RunBase]] | None = None,
) -> int:
    """Mark ``running`` runs silent for longer than ``stale_after`` failed; returns how many.

    Each run is failed by a conditional update (still running, still silent), so a run that
    beats in the meantime, or another reaper, is never overwritten. Each reaped run gets an
    audit entry (system actor) and is reported to monitoring like any failed run.
    """
    from fleetops.services import audit_record
    from monitoring.services import run_finished

    stale_after = default_stale_after() if stale_after is None else stale_after
    now = timezone.now()
    cutoff = now - stale_after
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, started_at__lt=cutoff)
    on_pg = _session_locks() is not None
    orphan_check = Q(heartbeat_at__lt=now - owner_grace()) if on_pg else Q(pk__in=[])
    reaped = 0
    for model in models or run_models():
        candidates = model.objects.filter(
            silent | orphan_check, status=RunStatus.RUNNING
        ).values_list("pk", "heartbeat_at", "started_at")
        for pk, heartbeat_at, started_at in list(candidates):
            last_seen = heartbeat_at or started_at
            is_silent = last_seen < cutoff
            if not is_silent and not _owner_gone(model, pk):
                continue  # its worker's session still holds the run: alive
            by = (
                "the stale-run reaper"
                if is_silent
                else "the reaper (the worker's database session is gone)"
            )
            message = interrupted_message(last_seen, never_beat=heartbeat_at is None, by=by)
            still = silent if is_silent else Q(heartbeat_at=heartbeat_at)
            with transaction.atomic():
                won = (
                    model.objects.filter(still, pk=pk, status=RunStatus.RUNNING)
                    .update(status=RunStatus.FAILED, error=message, finished_at=now)
                )  # fmt: skip
                if not won:
                    continue
                run = model.objects.get(pk=pk)
                audit_record(
                    actor=None,
                    action="run.reaped",
                    obj=run,
                    note=message,
                    data={
                        "last_seen": last_seen.isoformat(),
                        "stale_after_seconds": stale_after.total_seconds(),
                        "owner_session_gone": not is_silent,
                    },
                )
                source = MONITORING_SOURCES.get(model._meta.label_lower)
                if source:
                    run_finished(
                        source=source,
                        run_id=pk,
                        metrics={"duration_seconds": round((now - run.started_at).total_seconds())},
                    )
            reaped += 1
            logger.warning("%s #%s %s", model._meta.verbose_name, pk, message)
    return reaped


def reap_on_worker_start(sender=None, proc_name: str = "", **kwargs) -> None:
    """django-q2 ``post_spawn``: a (re)started worker fails the runs dead workers left.

    Only runs silent past ``stale_after`` or whose worker's session is gone: a run alive
    on another cluster is never touched. Errors are logged, never stop the worker.
    """
    try:
        reaped = runs_reap_stale()
    except Exception:  # the worker must start whatever happens here
        logger.exception("reaping interrupted runs at worker start failed")
        return
    if reaped:
        logger.warning("%s: %d interrupted run(s) marked failed at start", proc_name, reaped)


def connection_recover() -> None:
    """After a lost database connection, drop it so the next query reconnects.

    Only outside a transaction: inside one, the caller's ``atomic`` must unwind first.
    """
    if connection.in_atomic_block:
        return
    if connection.connection is not None and not connection.is_usable():
        connection.close()
