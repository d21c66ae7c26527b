"""``vehicles_reconcile``: the four snapshots compared set-based in SQL, on SQLite and PostgreSQL.

Steps, each one statement over a whole set (no Python loop over vehicles; see
``reconcile_sql``): the dirty VINs staged (none on a full run on PostgreSQL: the tables
are then joined whole); their vehicles upserted from the source rows with presence
flags; their exception conditions staged; exceptions reopened, refreshed, cleared
("cleared by feed") and opened, each change audited by the same statement; probable
matches refreshed; counts and money summed over the whole table. One claimed lock row
keeps two runs from overlapping.
"""

import logging
import time
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django_q.tasks import async_task

from fleetops.models import RunStatus
from fleetops.pgbulk import bulk_settings
from fleetops.runs import connection_recover, interrupted_message, run_heartbeat, runs_reap_stale
from inventory.models import (
    InventoryException,
    InventorySettings,
    Priority,
    ReconciliationRun,
    RunLock,
    Vehicle,
)
from inventory.selectors import store_spellings
from inventory.services import reconcile_exceptions as exc_sql
from inventory.services import reconcile_sql as sql
from inventory.services.matches import matches_refresh

logger = logging.getLogger(__name__)
LOCK_NAME = "reconcile"
QUEUE_PERM = "inventory.add_reconciliationrun"  # who may start a reconciliation now
STALE_LOCK = timedelta(hours=2)


class ReconcileBusy(Exception):
    """Another reconciliation holds the lock; ``run`` is the refused run's row."""

    def __init__(self, message: str, run: ReconciliationRun):
        super().__init__(message)
        self.run = run


def reconcile_metrics(run: ReconciliationRun, started: float) -> dict:
    return {
        "vehicles": run.vehicles,
        "aligned": run.aligned,
        "aligned_pct": run.aligned_pct,
        "oem_not_in_cdk": run.oem_not_in_cdk,
        "not_marketed": run.not_marketed,
        "ghost_listing": run.ghost_listing,
        "no_tracking": run.no_tracking,
        "critical_open": InventoryException.objects.open()
        .filter(priority=Priority.CRITICAL)
        .count(),
        "oem_at_risk": run.oem_at_risk,
        "not_marketed_value": run.not_marketed_value,
        "floorplan_monthly": run.floorplan_monthly,
        "untracked_value": run.untracked_value,
        "duration_seconds": round(time.monotonic() - started, 3),
    }


def _lock_claim(holder: str, now) -> bool:
    """Claim the lock: free, held too long, or held by a run that is no longer running
    (its worker died and the run was reaped)."""
    lock, _ = RunLock.objects.get_or_create(name=LOCK_NAME)
    free = Q(holder="") | Q(claimed_at__lt=now - STALE_LOCK)
    if lock.holder.startswith("run:") and lock.holder[4:].isdigit():
        held_by = int(lock.holder[4:])
        if ReconciliationRun.objects.filter(pk=held_by).exclude(status=RunStatus.RUNNING).exists():
            free |= Q(holder=lock.holder)
    return bool(
        RunLock.objects.filter(name=LOCK_NAME).filter(free).update(holder=holder, claimed_at=now)
    )


def _interrupted_run_fail(run: ReconciliationRun) -> ReconciliationRun | None:
    """A queued run that a worker already started and that is still "running" is a task
    redelivered after its worker died: mark it failed and start a fresh run."""
    if run is None or run.heartbeat_at is None:
        return run
    message = interrupted_message(run.heartbeat_at, by="its task, delivered again")
    ReconciliationRun.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
        status=RunStatus.FAILED, error=message, finished_at=timezone.now()
    )
    return None


def _lock_release(holder: str) -> None:
    RunLock.objects.filter(name=LOCK_NAME, holder=holder).update(holder="", claimed_at=None)


def vehicles_reconcile(
    *,
    user=None,
    run: ReconciliationRun | None = None,
    as_of: datetime | None = None,
    full: bool = False,
) -> ReconciliationRun:
    """Reconcile the four snapshots now (or ``as_of``, for back-filled history); returns the run.

    Raises :class:`ReconcileBusy` (after recording the refused run) when another
    reconciliation holds the lock. Re-running with unchanged feeds changes nothing. Only
    the vehicles whose source rows changed since the last run are recomputed, unless
    ``full`` (or on the first run).
    """
    from monitoring.services import run_finished

    started = time.monotonic()
    now = as_of or timezone.now()
    runs_reap_stale(models=[ReconciliationRun])  # runs a dead worker left "running"
    if run is not None:
        run.refresh_from_db()
        run = _interrupted_run_fail(run)
    if run is None:
        run = ReconciliationRun.objects.create(created_by=user, started_at=now)
    elif as_of is not None:
        run.started_at = now
    holder = f"run:{run.pk}"
    if not _lock_claim(holder, timezone.now()):
        current = RunLock.objects.get(name=LOCK_NAME).holder
        message = f"Another reconciliation is running ({current}); not started."
        ReconciliationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.REJECTED, error=message, finished_at=timezone.now()
        )
        run.refresh_from_db()
        run_finished(
            source="inventory.reconcile", run_id=run.pk,
            metrics={"duration_seconds": round(time.monotonic() - started, 3)},
        )  # fmt: skip
        raise ReconcileBusy(message, run)
    run_heartbeat(run)  # started by this worker (a redelivered task will know)
    settings = InventorySettings.load()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                now_db = connection.ops.adapt_datetimefield_value(now)
                if connection.vendor == "postgresql":
                    bulk_settings(cursor, work_mem="256MB")
                full = full or not Vehicle.objects.exists()
                full = not sql.dirty_stage(cursor, full=full)  # no VINs staged: all in scope
                sql.vehicles_upsert(cursor, now_db, full=full)
                sql.vehicle_stores_spelled(cursor, store_spellings(fresh=True), full=full)
                exc_sql.conditions_stage(cursor, settings, full=full)
                exc_sql.exceptions_apply(cursor, run.pk, now, settings, full=full)
                matches_refresh(cursor, now)
                sql.totals(cursor, run, settings, now)
                sql.dirty_consume(cursor)
            run.status = RunStatus.SUCCEEDED
            run.finished_at = now + timedelta(seconds=time.monotonic() - started)
            run.save()
            run_finished(
                source="inventory.reconcile", run_id=run.pk,
                metrics=reconcile_metrics(run, started), recorded_at=run.finished_at,
            )  # fmt: skip
        return run
    except Exception as exc:
        logger.exception("reconciliation %s failed", run.pk)
        connection_recover()  # the failure may be a lost connection
        ReconciliationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}",
            finished_at=timezone.now(),
        )  # fmt: skip
        run.refresh_from_db()
        run_finished(  # its counts were rolled back: zeros would read as an empty inventory
            source="inventory.reconcile", run_id=run.pk,
            metrics={"duration_seconds": round(time.monotonic() - started, 3)},
        )  # fmt: skip
        raise
    finally:
        _lock_release(holder)


def reconciliation_queue(*, user) -> ReconciliationRun:
    """Queue a reconciliation now (``POST /api/inventory/refresh``, the admin's "Reconcile
    now"): its run row, then ``reconcile_task`` on it once committed. Raises
    :class:`PermissionDenied` without ``QUEUE_PERM``, and :class:`ReconcileBusy` (``run``:
    the one in progress) when a reconciliation is queued or running already, queueing
    nothing."""
    if user is None or not user.has_perm(QUEUE_PERM):
        raise PermissionDenied("You do not have permission to start a reconciliation.")
    runs_reap_stale(models=[ReconciliationRun])  # a run a dead worker left "running"
    with transaction.atomic():
        # one request at a time past this point: two clicks do not queue two runs
        RunLock.objects.get_or_create(name=LOCK_NAME)
        RunLock.objects.select_for_update().filter(name=LOCK_NAME).first()
        busy = ReconciliationRun.objects.filter(status=RunStatus.RUNNING).order_by("-pk").first()
        if busy is not None:
            raise ReconcileBusy(
                f"Reconciliation #{busy.pk} is already queued or running: its results show "
                "when it finishes; nothing new was queued.",
                busy,
            )
        run = ReconciliationRun.objects.create(created_by=user)
        transaction.on_commit(lambda: async_task("inventory.tasks.reconcile_task", run.pk))
    return run
