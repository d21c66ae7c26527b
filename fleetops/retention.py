"""Retention: prune what has outlived its use, never what is still referenced.

Run daily by the django-q2 schedule ``fleetops: prune old rows`` (created by a data
migration) and on demand by ``manage.py prune``. Ages come from
``settings.FLEETOPS_RETENTION_DAYS`` (environment ``RETENTION_*_DAYS``). What each
kind means and what keeps a row alive:

- **raw invoice payloads** (``invoices.RawInvoice``): a payload is the source its line
  items are rebuilt from and the row the reporting views count, so an invoice that was
  processed (or skipped as unchanged, or is pending) is live as long as it exists and is
  never pruned. What can go is a payload that *failed* and was left alone: status
  ``failed``, no line item referencing it, and not touched
  (``updated_at``: ingest, retry, reprocess) for ``raw_invoices`` days. If Fullbay sends
  the invoice again it is stored and processed anew.
- **monitoring metrics** (``monitoring.Metric``): rows recorded more than ``metrics``
  days ago, except the latest run's metrics of every source (the dashboard's "last
  run" figures), the latest value of every (source, name) series, and anything an
  active (open or acknowledged) alert may be looking at: every metric recorded since the
  oldest active alert opened, minus the widest rule window.
- **django-q2 task history**: ``Success`` rows older than ``task_successes`` days and
  ``Failure`` rows older than ``task_failures`` days (by ``stopped``). Queued work
  (``OrmQ``) and schedules are never touched.
- **login failures** (``fleetops.LoginFailure``): older than ``login_failures`` days and
  in any case older than the lockout window, so pruning never lifts a lockout.
- **uploaded files** in media (``upload_files`` days): the file of a feed upload
  (``inventory.FeedUpload``) whose processing finished (imported or rejected) is deleted
  and the row keeps its name blank; a file still previewed or queued is never touched.
  Files of the upload folders no row points at (an upload whose row was deleted), large
  invoice uploads queued for the cluster (``invoices/uploads/<run id>-...``) whose run
  is over or gone (never one whose run is still running or queued), and
  django-import-export's temporary files (an import previewed and never confirmed) go
  by their modification time.
- **run rows** (``runs`` days, by ``started_at``): finished ``inventory.FeedImport``,
  ``inventory.ReconciliationRun`` and ``invoices.IngestRun`` rows, except the latest run
  and the latest successful run of each kind (feed imports: per source and store;
  ingests: per trigger), and any run still referenced: by a source row, a feed issue or
  a feed upload (imports), by an exception's last event (reconciliations), by a raw
  invoice (ingests), or by a monitoring metric (every kind). A ``running`` run is never
  pruned. Audit entries naming a run are history, not references: they keep their note.

The audit trail (``fleetops.AuditEntry``) is kept forever; each prune adds one audit
entry with its counts. Deletes run in batches of primary keys and repeat the whole
condition in each ``DELETE``, so a row that becomes live meanwhile (a failed invoice
reprocessed, an alert opened) is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

KINDS = (
    "raw_invoices",
    "metrics",
    "task_successes",
    "task_failures",
    "login_failures",
    "upload_files",
    "runs",
)
BATCH_SIZE = 2000


@dataclass(frozen=True)
class Cutoffs:
    """The moment before which each kind of row may be pruned."""

    raw_invoices: datetime
    metrics: datetime
    task_successes: datetime
    task_failures: datetime
    login_failures: datetime
    upload_files: datetime
    runs: datetime

    @classmethod
    def from_days(cls, days: dict[str, int], *, now: datetime) -> Cutoffs:
        values = {}
        for kind in KINDS:
            value = days.get(kind)
            if not isinstance(value, int) or value < 1:
                raise ImproperlyConfigured(
                    f"FLEETOPS_RETENTION_DAYS[{kind!r}] must be a whole number of days >= 1, "
                    f"not {value!r}."
                )
            values[kind] = now - timedelta(days=value)
        return cls(**values)


def retention_days() -> dict[str, int]:
    """The configured ages, in days, per kind."""
    return dict(settings.FLEETOPS_RETENTION_DAYS)


# Selectors: what each kind would prune (querysets, evaluated by the caller).


def prunable_raw_invoices(cutoff: datetime) -> QuerySet:
    from invoices.models import LineItem, RawInvoice

    return RawInvoice.objects.filter(
        status=RawInvoice.Status.FAILED, updated_at__lt=cutoff
    ).exclude(Exists(LineItem.objects.filter(raw_invoice=OuterRef("pk"))))


def prunable_metrics(cutoff: datetime) -> QuerySet:
    from monitoring.models import Alert, AlertRule, Metric

    qs = Metric.objects.filter(recorded_at__lt=cutoff)
    # The latest value of every series, and every metric of each source's latest run.
    latest_ids = (
        Metric.objects.order_by().values("source", "name").annotate(last=Max("id")).values("last")
    )
    qs = qs.exclude(id__in=latest_ids)
    latest_runs = (
        Metric.objects.filter(run_id__isnull=False)
        .order_by()
        .values("source")
        .annotate(last_run=Max("run_id"))
        .values_list("source", "last_run")
    )
    keep_runs = Q()
    for source, run_id in latest_runs:
        keep_runs |= Q(source=source, run_id=run_id)
    if keep_runs:
        qs = qs.exclude(keep_runs)
    # What an active alert may be looking at.
    oldest_active = (
        Alert.objects.active().order_by("opened_at").values_list("opened_at", flat=True).first()
    )
    if oldest_active is not None:
        widest = AlertRule.objects.aggregate(h=Max("window_hours"))["h"] or 24
        # Rules that compare days look back whole local days: one day of slack.
        qs = qs.filter(recorded_at__lt=oldest_active - timedelta(hours=widest + 24))
    return qs


def prunable_task_successes(cutoff: datetime) -> QuerySet:
    from django_q.models import Success

    return Success.objects.filter(stopped__lt=cutoff)


def prunable_task_failures(cutoff: datetime) -> QuerySet:
    from django_q.models import Failure

    return Failure.objects.filter(stopped__lt=cutoff)


def prunable_login_failures(cutoff: datetime) -> QuerySet:
    from fleetops.models import LoginFailure
    from fleetops.security import LOCKOUT

    return LoginFailure.objects.filter(at__lt=min(cutoff, timezone.now() - LOCKOUT))


def _metric_referenced(model, source: str):
    from monitoring.models import Metric

    return Exists(Metric.objects.filter(source=source, run_id=OuterRef("pk")))


def _not_latest(qs: QuerySet, *group: str) -> QuerySet:
    """``qs`` minus the latest row, and the latest successful row, of each ``group``."""
    from fleetops.models import RunStatus

    model = qs.model
    for only in ({}, {"status": RunStatus.SUCCEEDED}):
        runs = model.objects.filter(**only)
        if group:
            latest = runs.order_by().values(*group).annotate(last=Max("pk")).values("last")
        else:
            latest = runs.order_by("-pk").values("pk")[:1]
        qs = qs.exclude(pk__in=latest)
    return qs


def prunable_feed_imports(cutoff: datetime) -> QuerySet:
    from fleetops.models import RunStatus
    from inventory.models import FeedImport, FeedIssue, FeedUpload, SourceRecord

    qs = FeedImport.objects.filter(started_at__lt=cutoff).exclude(status=RunStatus.RUNNING)
    qs = qs.exclude(Exists(SourceRecord.objects.filter(feed_import=OuterRef("pk"))))
    qs = qs.exclude(Exists(FeedIssue.objects.filter(feed_import=OuterRef("pk"))))
    qs = qs.exclude(Exists(FeedUpload.objects.filter(feed_import=OuterRef("pk"))))
    qs = qs.exclude(_metric_referenced(FeedImport, "inventory.feed"))
    return _not_latest(qs, "source", "store")


def prunable_reconciliation_runs(cutoff: datetime) -> QuerySet:
    from fleetops.models import RunStatus
    from inventory.models import InventoryException, ReconciliationRun

    qs = ReconciliationRun.objects.filter(started_at__lt=cutoff).exclude(status=RunStatus.RUNNING)
    qs = qs.exclude(Exists(InventoryException.objects.filter(last_event_run=OuterRef("pk"))))
    qs = qs.exclude(_metric_referenced(ReconciliationRun, "inventory.reconcile"))
    return _not_latest(qs)


def prunable_ingest_runs(cutoff: datetime) -> QuerySet:
    from fleetops.models import RunStatus
    from invoices.models import IngestRun, RawInvoice

    qs = IngestRun.objects.filter(started_at__lt=cutoff).exclude(status=RunStatus.RUNNING)
    qs = qs.exclude(Exists(RawInvoice.objects.filter(run=OuterRef("pk"))))
    qs = qs.exclude(_metric_referenced(IngestRun, "invoices.ingest"))
    return _not_latest(qs, "trigger")


RUN_KINDS = (prunable_feed_imports, prunable_reconciliation_runs, prunable_ingest_runs)
UPLOAD_DIRS = ("inventory/uploads",)  # FileField upload_to folders of upload rows
INVOICE_UPLOAD_DIR = "invoices/uploads"  # "<run id>-<token>-<name>", kept while it runs
IMPORT_EXPORT_TMP_DIR = "django-import-export"


def _invoice_upload_run(name: str) -> int | None:
    """The ingest run id a stored invoice upload's name starts with."""
    head = name.rsplit("/", 1)[-1].split("-", 1)[0]
    return int(head) if head.isdigit() else None


def prunable_upload_files(cutoff: datetime) -> QuerySet:
    """Feed uploads whose processing finished before ``cutoff`` and still hold a file."""
    from inventory.models import FeedUpload

    done = (FeedUpload.State.DONE, FeedUpload.State.REJECTED, FeedUpload.State.FAILED)
    return FeedUpload.objects.filter(state__in=done, created_at__lt=cutoff).exclude(file="")


def _stale_media_files(cutoff: datetime) -> list[str]:
    """Files of the upload folders no row points at, invoice uploads whose run is over
    (or gone), and import-export temporary files, last modified before ``cutoff``."""
    from django.core.files.storage import default_storage

    from inventory.models import FeedUpload

    def walk(folder: str):
        try:
            dirs, files = default_storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            return
        for name in files:
            yield f"{folder}/{name}"
        for sub in dirs:
            yield from walk(f"{folder}/{sub}")

    stale = []
    for folder in (*UPLOAD_DIRS, INVOICE_UPLOAD_DIR, IMPORT_EXPORT_TMP_DIR):
        for name in walk(folder):
            try:
                modified = default_storage.get_modified_time(name)
            except (FileNotFoundError, NotImplementedError):
                continue
            if modified < cutoff:
                stale.append(name)
    in_use = set(
        FeedUpload.objects.filter(file__in=stale).values_list("file", flat=True)
    )  # a live row's file is never an orphan, however old
    return [name for name in stale if name not in in_use and not _invoice_upload_running(name)]


def _invoice_upload_running(name: str) -> bool:
    """An invoice upload whose run is still queued or running (or unnamed: kept)."""
    from fleetops.models import RunStatus
    from invoices.models import IngestRun

    if not name.startswith(INVOICE_UPLOAD_DIR + "/"):
        return False
    run_id = _invoice_upload_run(name)
    return run_id is None or IngestRun.objects.filter(pk=run_id, status=RunStatus.RUNNING).exists()


def _prune_upload_files(cutoff: datetime, *, dry_run: bool) -> int:
    """Delete finished uploads' files (row kept, file name blanked) and orphaned files."""
    from django.core.files.storage import default_storage

    from inventory.models import FeedUpload

    uploads = list(prunable_upload_files(cutoff).values_list("pk", "file"))
    orphans = _stale_media_files(cutoff)
    if dry_run:
        return len(uploads) + len(orphans)
    removed = 0
    for pk, name in uploads:
        # Blank the row first (only if it is still finished and still holds this file),
        # then delete the file: a crash in between leaves an orphan, never a dead link.
        if prunable_upload_files(cutoff).filter(pk=pk, file=name).update(file=""):
            default_storage.delete(name)
            removed += 1
    for name in orphans:
        if not FeedUpload.objects.filter(file=name).exists() and not _invoice_upload_running(name):
            default_storage.delete(name)
            removed += 1
    return removed


PRUNABLE = {
    "raw_invoices": prunable_raw_invoices,
    "metrics": prunable_metrics,
    "task_successes": prunable_task_successes,
    "task_failures": prunable_task_failures,
    "login_failures": prunable_login_failures,
}


def _delete_in_batches(make_qs, cutoff: datetime) -> int:
    """Delete what ``make_qs(cutoff)`` selects, ``BATCH_SIZE`` rows per short transaction.

    Each batch deletes ``pk IN (...)`` AND the full condition again, so a row that
    became live between the select and the delete stays.
    """
    deleted = 0
    seen_max = None
    while True:
        qs = make_qs(cutoff)
        if seen_max is not None:
            qs = qs.filter(pk__gt=seen_max)
        pks = list(qs.order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE])
        if not pks:
            return deleted
        with transaction.atomic():
            doomed = make_qs(cutoff).filter(pk__in=pks)
            _, per_model = doomed.delete()  # per model: cascaded rows are counted apart
        deleted += per_model.get(doomed.model._meta.label, 0)
        seen_max = pks[-1]


def retention_prune(
    *,
    actor=None,
    days: dict[str, int] | None = None,
    now: datetime | None = None,
    dry_run: bool = False,
) -> dict[str, int]:
    """Prune every kind older than its configured age; returns rows pruned per kind.

    ``dry_run`` counts what would go and deletes nothing. A real run records one audit
    entry (``retention.prune``) with the counts and the ages used.
    """
    from fleetops.services import audit_record

    ages = {**retention_days(), **(days or {})}
    cutoffs = Cutoffs.from_days(ages, now=now or timezone.now())
    counts: dict[str, int] = {}
    for kind in KINDS:
        cutoff = getattr(cutoffs, kind)
        if kind == "upload_files":
            counts[kind] = _prune_upload_files(cutoff, dry_run=dry_run)
            continue
        selectors = RUN_KINDS if kind == "runs" else (PRUNABLE[kind],)
        if dry_run:
            counts[kind] = sum(select(cutoff).count() for select in selectors)
        else:
            counts[kind] = sum(_delete_in_batches(select, cutoff) for select in selectors)
    if not dry_run:
        audit_record(
            actor=actor,
            action="retention.prune",
            object_type="retention",
            note=", ".join(f"{kind}: {n}" for kind, n in counts.items()),
            data={"deleted": counts, "days": {k: ages[k] for k in KINDS}},
        )
    return counts
