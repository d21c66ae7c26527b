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


def invoices_reprocess_task(raw_ids: list[int], user_id: int | None = None) -> int:
    from django.contrib.auth import get_user_model

    from invoices.services import invoices_reprocess

    actor = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    return invoices_reprocess(raw_ids=raw_ids, actor=actor).pk
