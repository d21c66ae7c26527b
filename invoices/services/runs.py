"""Run rows of invoice ingests: started, finished (succeeded or failed), reported to monitoring."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from fleetops.models import RunStatus
from fleetops.runs import connection_recover, run_heartbeat, runs_reap_stale
from fleetops.services import audit_record
from invoices.models import IngestRun

MONITORING_SOURCE = "invoices.ingest"


@dataclass
class Tally:
    """Counts of one run, added up batch by batch."""

    fetched: int = 0
    processed: int = 0
    failed: int = 0
    skipped: int = 0
    line_items_created: int = 0
    total_value: Decimal = Decimal("0.00")
    clean: int = 0  # processed invoices without any data-quality issue
    errors: list[str] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("fetched", "processed", "failed", "skipped", "line_items_created", "clean"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.total_value += other.total_value
        self.errors.extend(other.errors[: max(0, 20 - len(self.errors))])

    def count_processed(self, outcome) -> None:
        """Count one invoice flattened into ``outcome`` (an ``Outcome``)."""
        self.processed += 1
        self.clean += outcome.clean
        self.total_value += outcome.total_value
        self.line_items_created += outcome.line_count

    @property
    def data_quality_score(self) -> float | None:
        """The share of processed invoices without an issue; None (no metric recorded)
        when none was processed: a run that skipped or failed everything says nothing of
        the data's quality."""
        if not self.processed:
            return None
        return round(100.0 * self.clean / self.processed, 2)


def ingest_run_start(
    *, trigger: str, source: str, actor=None, window: tuple[dt.date, dt.date] | None = None
) -> IngestRun:
    """A new run row (audited); ingests left running by a dead worker are failed first.
    ``window``: the invoice dates pulled from the Fullbay API, first and last."""
    runs_reap_stale(models=[IngestRun])
    with transaction.atomic():
        return _run_create(trigger=trigger, source=source, actor=actor, window=window)


def ingest_run_progress(*, run: IngestRun, tally: Tally) -> None:
    """Between batches: the heartbeat, with the counts so far (visible while it runs)."""
    run_heartbeat(
        run,
        fetched=tally.fetched,
        processed=tally.processed,
        failed=tally.failed,
        skipped=tally.skipped,
        line_items_created=tally.line_items_created,
    )


def _run_create(*, trigger: str, source: str, actor=None, window=None) -> IngestRun:
    window_start, window_end = window or (None, None)
    run = IngestRun.objects.create(
        trigger=trigger, source=source[:255], created_by=actor if _is_user(actor) else None,
        window_start=window_start, window_end=window_end,
    )  # fmt: skip
    audit_record(actor=actor, action=f"invoices.ingest.{trigger}", obj=run, note=source[:500])
    return run


def _is_user(actor) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def ingest_run_finish(*, run: IngestRun, tally: Tally, error: str = "") -> IngestRun:
    """Store the counts and status, then report the run's metrics to monitoring."""
    from monitoring.services import run_finished

    connection_recover()  # the run may have failed because the connection was lost
    run.fetched = tally.fetched
    run.processed = tally.processed
    run.failed = tally.failed
    run.skipped = tally.skipped
    run.line_items_created = tally.line_items_created
    run.total_value = tally.total_value
    run.finished_at = timezone.now()
    run.status = RunStatus.FAILED if error else RunStatus.SUCCEEDED
    run.error = error
    with transaction.atomic():
        run.save()
        run_finished(
            source=MONITORING_SOURCE,
            run_id=run.pk,
            metrics={
                "fetched": tally.fetched,
                "processed": tally.processed,
                "failed": tally.failed,
                "skipped": tally.skipped,
                "line_items_created": tally.line_items_created,
                "total_value": tally.total_value,
                "duration_seconds": round(run.duration_seconds or 0.0, 3),
                "data_quality_score": tally.data_quality_score,
            },
        )
    return run
