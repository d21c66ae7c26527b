"""Demo data for ``make run``: a year of generated Fullbay invoices through the real ingest path."""

import datetime as dt

from django.utils import timezone

from invoices.generator import FullbayGenerator
from invoices.models import IngestRun
from invoices.services import invoice_ingest

DEMO_SOURCE = "demo data (generated Fullbay invoices)"
DEMO_INVOICES = 600


def demo_payloads(count: int = DEMO_INVOICES, *, today: dt.date | None = None) -> list[dict]:
    """``count`` invoices spread over the year before ``today``, a few broken or off."""
    today = today or timezone.localdate()
    generator = FullbayGenerator(seed=2025, customers=40, broken_rate=0.01, mismatch_rate=0.03)
    first = today - dt.timedelta(days=365)
    return [
        generator.invoice(n, date=first + dt.timedelta(days=(n * 365) // count))
        for n in range(count)
    ]


def demo_load(*, stdout) -> None:
    if IngestRun.objects.filter(source=DEMO_SOURCE).exists():
        stdout.write("  invoices: demo data already loaded, skipping")
        return
    payloads = demo_payloads()
    stdout.write(f"  invoices: ingesting {len(payloads)} generated Fullbay invoices…")

    def progress(tally):
        stdout.write(
            f"    {tally.fetched} read, {tally.processed} processed, {tally.failed} failed, "
            f"{tally.line_items_created} line items"
        )

    run = invoice_ingest(payloads=payloads, source=DEMO_SOURCE, batch_size=200, progress=progress)
    stdout.write(
        f"  invoices: run {run.pk} {run.status}: {run.processed} processed, {run.failed} failed "
        f"(kept raw for reprocessing), {run.line_items_created} line items"
    )
