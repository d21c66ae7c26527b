"""django-q2 tasks: take ids, load, call a service."""

import datetime as dt

from django.utils import timezone

from invoices.models import IngestRun


def invoices_pull_yesterday() -> int:
    """The morning schedule: yesterday's invoices from Fullbay. Returns the run id."""
    from invoices.services import invoices_fetch

    yesterday = timezone.localdate() - dt.timedelta(days=1)
    run = invoices_fetch(start=yesterday, end=yesterday, trigger=IngestRun.Trigger.SCHEDULE)
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
