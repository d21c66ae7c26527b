"""Run rows as the inventory and invoices apps write them, plus helpers that simulate a run.

``*_run(...)`` helpers create the run row, finished, and call ``run_finished`` with
the metrics that run reports, with time frozen at the run's end (as in production).
"""

from datetime import datetime, timedelta
from decimal import Decimal

import factory
import time_machine

from fleetops.models import RunStatus
from inventory.models import FeedImport, ReconciliationRun
from invoices.models import IngestRun, InvoiceIssue, RawInvoice
from monitoring.models import RuleKind
from monitoring.services import run_finished

FEEDS = ("cdk", "vauto", "lojack", "oem")
# What the rules raise on a database with no run at all, after the 10:00 feed check: the
# two "never succeeded" rules (critical) and one missing feed per source (high).
EMPTY_DAY_ALERTS = {
    (RuleKind.INGEST_STALE.value, "", "critical"),
    (RuleKind.RECONCILE_STALE.value, "", "critical"),
    *((RuleKind.FEED_MISSING.value, feed, "high") for feed in FEEDS),
}


class IngestRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IngestRun

    status = RunStatus.SUCCEEDED
    processed = 10
    failed = 0
    skipped = 0
    line_items_created = factory.LazyAttribute(lambda r: r.processed * 4)
    total_value = factory.LazyAttribute(lambda r: Decimal(r.processed) * Decimal("250.00"))
    fetched = factory.LazyAttribute(lambda r: r.processed + r.failed + r.skipped)
    finished_at = factory.LazyAttribute(lambda r: r.started_at + timedelta(seconds=60))


class FeedImportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeedImport

    source = "cdk"
    status = RunStatus.SUCCEEDED
    rows_read = 100
    invalid_rows = 0
    duplicates = 0
    vehicles = factory.LazyAttribute(lambda r: r.rows_read - r.invalid_rows)
    finished_at = factory.LazyAttribute(lambda r: r.started_at + timedelta(seconds=30))


class ReconciliationRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReconciliationRun

    status = RunStatus.SUCCEEDED
    vehicles = 1000
    aligned = 900
    finished_at = factory.LazyAttribute(lambda r: r.started_at + timedelta(seconds=120))


class RawInvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RawInvoice

    primary_key = factory.Sequence(lambda n: f"INV{n:06d}")
    payload = factory.LazyAttribute(lambda r: {"primaryKey": r.primary_key})
    payload_hash = factory.LazyAttribute(lambda r: f"hash-{r.primary_key}")
    status = RawInvoice.Status.PROCESSED


class InvoiceIssueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceIssue

    raw_invoice = factory.SubFactory(RawInvoiceFactory)
    kind = "subtotal_mismatch"
    message = "Line amounts do not add up to subTotal"
    difference = Decimal("1.50")


def _finish(run, source: str, metrics: dict) -> None:
    with time_machine.travel(run.finished_at or run.started_at, tick=False):
        run_finished(source=source, run_id=run.pk, metrics=metrics)


def ingest_run(*, at: datetime, **kwargs) -> IngestRun:
    run = IngestRunFactory(started_at=at, **kwargs)
    _finish(
        run,
        "invoices.ingest",
        {
            "fetched": run.fetched,
            "processed": run.processed,
            "failed": run.failed,
            "skipped": run.skipped,
            "line_items_created": run.line_items_created,
            "total_value": run.total_value,
            "duration_seconds": run.duration_seconds or 0,
        },
    )
    return run


def feed_import(*, at: datetime, source: str = "cdk", **kwargs) -> FeedImport:
    run = FeedImportFactory(started_at=at, source=source, **kwargs)
    _finish(
        run,
        "inventory.feed",
        {
            "rows_read": run.rows_read,
            "vehicles": run.vehicles,
            "invalid_rows": run.invalid_rows,
            "duplicates": run.duplicates,
            "duration_seconds": run.duration_seconds or 0,
        },
    )
    return run


def reconcile_run(*, at: datetime, critical_open: int = 5, **kwargs) -> ReconciliationRun:
    run = ReconciliationRunFactory(started_at=at, oem_not_in_cdk=critical_open, **kwargs)
    _finish(
        run,
        "inventory.reconcile",
        {
            "vehicles": run.vehicles,
            "aligned": run.aligned,
            "aligned_pct": run.aligned_pct if hasattr(run, "aligned_pct") else 0,
            "critical_open": critical_open,
            "duration_seconds": run.duration_seconds or 0,
        },
    )
    return run
