"""django-q2 tasks: take ids, load, call a service."""

import datetime as dt

from django.utils import timezone

from fleetops.models import RunStatus
from invoices.models import IngestRun

# How far back the morning schedule makes up for the days no pull covered.
CATCH_UP_DAYS = 14
ONE_DAY = dt.timedelta(days=1)


def invoices_pull_yesterday() -> int:
    """The morning schedule: yesterday's invoices from Fullbay, with the days before it
    since the latest day a successful pull covered (a morning the API was down, a day
    the cluster was stopped), at most :data:`CATCH_UP_DAYS` days in all. Returns
    the run id. Pulling a day again changes nothing (unchanged invoices are skipped)."""
    from invoices.services import invoices_fetch

    yesterday = timezone.localdate() - ONE_DAY
    floor = yesterday - dt.timedelta(days=CATCH_UP_DAYS - 1)
    covered = _covered_through(floor)
    start = yesterday if covered is None else min(max(covered + ONE_DAY, floor), yesterday)
    run = invoices_fetch(start=start, end=yesterday, trigger=IngestRun.Trigger.SCHEDULE)
    return run.pk


def _covered_through(floor: dt.date) -> dt.date | None:
    """The latest invoice date a successful API pull covered whole, None when none ever
    did. A pull covers its window up to the day before it started (local): a pull made
    during a day (by hand: ``--from-api`` up to today) saw only that day's invoices so
    far. Pulls ending before ``floor`` only say that one happened (the catch-up stops
    there anyway)."""
    pulls = IngestRun.objects.filter(status=RunStatus.SUCCEEDED, window_end__isnull=False)
    recent = pulls.filter(window_end__gte=floor).values_list("window_end", "started_at")
    ends = [min(end, timezone.localdate(started) - ONE_DAY) for end, started in recent]
    if ends:
        return max(ends)
    return floor - ONE_DAY if pulls.exists() else None


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
