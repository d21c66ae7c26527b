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
