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
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
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


def run_heartbeat(run: RunBase, **progress) -> None:
    """Touch ``run``'s heartbeat (and store ``progress`` fields, e.g. counts so far).

    Call it between batches, outside any batch transaction, so the beat is visible to
    the reaper at once. A run that is no longer ``running`` (reaped) is left as it is.
    """
    now = timezone.now()
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
    reaped = 0
    for model in models or run_models():
        candidates = model.objects.filter(silent, status=RunStatus.RUNNING).values_list(
            "pk", "heartbeat_at", "started_at"
        )
        for pk, heartbeat_at, started_at in list(candidates):
            last_seen = heartbeat_at or started_at
            message = interrupted_message(last_seen, never_beat=heartbeat_at is None)
            with transaction.atomic():
                won = (
                    model.objects.filter(silent, pk=pk, status=RunStatus.RUNNING)
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


def connection_recover() -> None:
    """After a lost database connection, drop it so the next query reconnects.

    Only outside a transaction: inside one, the caller's ``atomic`` must unwind first.
    """
    if connection.in_atomic_block:
        return
    if connection.connection is not None and not connection.is_usable():
        connection.close()
