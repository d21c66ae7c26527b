"""``invoices_fetch``: pull a date window from the Fullbay API through the one ingest path."""

from __future__ import annotations

import datetime as dt

from invoices.fullbay import FullbayClient
from invoices.models import IngestRun
from invoices.services.ingest import invoice_ingest


def invoices_fetch(
    *,
    start: dt.date,
    end: dt.date,
    trigger: str = IngestRun.Trigger.API,
    actor=None,
    client: FullbayClient | None = None,
    progress=None,
) -> IngestRun:
    """Fetch ``[start, end]`` (windows of at most 7 days, every page) and ingest it as one run."""
    client = client or FullbayClient.from_settings()
    return invoice_ingest(
        payloads=client.invoices(start, end),
        trigger=trigger,
        source=f"Fullbay {start:%Y-%m-%d}..{end:%Y-%m-%d}",
        window=(start, end),
        actor=actor,
        progress=progress,
    )
