"""``invoices_reprocess``: give failed invoices another go with the current flattening code."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from invoices.models import IngestRun, RawInvoice
from invoices.services.ingest import BATCH_SIZE, _chunks
from invoices.services.process import process_claimed
from invoices.services.runs import (
    Tally,
    ingest_run_finish,
    ingest_run_progress,
    ingest_run_start,
)

Status = RawInvoice.Status


def invoices_reprocess(*, raw_ids: Iterable[int] | None = None, actor=None) -> IngestRun:
    """Reprocess failed raw invoices (those in ``raw_ids``, or every failed one) as one run.

    Rows are moved back to ``pending`` with a conditional update (only failed ones), then
    claimed and processed exactly like a fresh ingest.
    """
    failed = RawInvoice.objects.filter(status=Status.FAILED)
    if raw_ids is not None:
        failed = failed.filter(pk__in=list(raw_ids))
    ids = list(failed.values_list("id", flat=True))
    run = ingest_run_start(
        trigger=IngestRun.Trigger.REPROCESS, source=f"{len(ids)} failed invoice(s)", actor=actor
    )
    tally = Tally()
    try:
        for chunk in _chunks(ids, BATCH_SIZE):
            with transaction.atomic():  # back to pending and processed, or neither
                reset = RawInvoice.objects.filter(pk__in=chunk, status=Status.FAILED)
                reset.update(status=Status.PENDING, run=run)
                items = list(
                    RawInvoice.objects.filter(pk__in=chunk, status=Status.PENDING).values_list(
                        "id", "payload_hash", "payload"
                    )
                )
                tally.fetched += len(items)
                tally.add(process_claimed(run=run, items=items))
            ingest_run_progress(run=run, tally=tally)
    except Exception as exc:
        ingest_run_finish(run=run, tally=tally, error=f"{type(exc).__name__}: {exc}")
        raise
    return ingest_run_finish(run=run, tally=tally)
