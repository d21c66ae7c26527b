"""django-q2 tasks: take ids, load, call a service."""

import datetime as dt

from django.db.models import Max
from django.utils import timezone

from fleetops.models import RunStatus
from invoices.models import IngestRun

# How far back the morning schedule makes up for the days no pull covered.
CATCH_UP_DAYS = 14


def invoices_pull_yesterday() -> int:
    """The morning schedule: yesterday's invoices from Fullbay, with the days before it
    since the latest day a successful pull covered (a morning the API was down, a day
    the cluster was stopped), at most :data:`CATCH_UP_DAYS` days in all. Returns
    the run id. Pulling a day again changes nothing (unchanged invoices are skipped)."""
    from invoices.services import invoices_fetch

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    covered = IngestRun.objects.filter(status=RunStatus.SUCCEEDED).aggregate(
        last=Max("window_end")
    )["last"]  # the latest invoice date a successful pull covered
    start = yesterday
    if covered is not None:
        after = max(covered + dt.timedelta(days=1), yesterday - dt.timedelta(CATCH_UP_DAYS - 1))
        start = min(after, yesterday)
    run = invoices_fetch(start=start, end=yesterday, trigger=IngestRun.Trigger.SCHEDULE)
    return run.pk


def invoices_ingest_files_task(paths: list[str]) -> int:
    """Ingest invoice files queued for the cluster (``async_task`` with the paths).

    Returns the run id. A run that breaks ends ``failed`` and the exception is re-raised,
    so django-q2 records the task as failed too; queueing the same paths again is safe
    (unchanged invoices are skipped, the rest claimed and processed once).
    """
    from invoices.loaders import json_files
    from invoices.services import invoice_ingest

    run = invoice_ingest(
        paths=json_files(paths),
        trigger=IngestRun.Trigger.FILE,
        source=", ".join(str(p) for p in paths),
    )
    return run.pk


def invoices_ingest_upload_task(run_id: int, stored: str) -> int:
    """Ingest a large upload stored by ``invoice_upload`` into its run; returns the run id."""
    from invoices.services.upload import upload_ingest

    return upload_ingest(run_id=run_id, stored=stored).pk
