"""``invoice_ingest``: keep every raw payload, flatten it, replace its line items. Set-based.

Per batch: hash every payload; one query finds what is stored; new payloads are
bulk-created and changed ones bulk-updated back to ``pending`` (the raw backup is
committed before processing starts); unchanged ones are skipped untouched. Then, in
one transaction, pending rows are claimed with a conditional ``UPDATE`` carrying a
token (two workers never process the same invoice), their old lines and issues are
deleted and the new ones bulk-inserted. A payload that cannot be flattened is marked
``failed`` with its error; the rest of the batch goes on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from django.utils import timezone

from invoices.flatten import FlattenError, invoice_context
from invoices.flatten.coerce import to_text
from invoices.models import IngestRun, RawInvoice
from invoices.services.process import process_claimed
from invoices.services.raw import raw_invoices_write
from invoices.services.runs import (
    Tally,
    ingest_run_finish,
    ingest_run_progress,
    ingest_run_start,
)

BATCH_SIZE = 500
Status = RawInvoice.Status


def canonical_json(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def payload_hash(payload: Any) -> str:
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def storable(payload: Any, text: str) -> Any:
    """The payload without NUL characters, which no PostgreSQL text or jsonb value can hold."""
    if "\\u0000" not in text:
        return payload
    return json.loads(text.replace("\\u0000", ""))


def payload_key(payload: Any, digest: str) -> str:
    """The natural key (``primaryKey``); a payload without one is kept under its hash."""
    key = to_text(payload.get("primaryKey")) if isinstance(payload, dict) else ""
    return key[:32] if key else f"nokey-{digest[:26]}"


def payload_summary(payload: Any) -> dict:
    """Header fields for lists and filters, best effort (never raises)."""
    if not isinstance(payload, dict):
        return {}
    try:
        ctx = invoice_context(payload)
    except FlattenError:
        return {
            "invoice_number": to_text(payload.get("invoiceNumber"), max_length=40),
            "customer_title": to_text(payload.get("customerTitle"), max_length=200),
        }
    return {
        "invoice_number": ctx.invoice_number,
        "invoice_date": ctx.invoice_date,
        "customer_title": ctx.customer_title,
        "shop_title": ctx.shop_title,
        "unit_vin": ctx.unit_vin,
        "sub_total": _bounded(ctx.invoice_sub_total),
        "total": _bounded(ctx.invoice_total),
        "customer_id": ctx.customer_id,
        "unit_number": ctx.unit_number,
        "unit_make": ctx.unit_make,
        "unit_model": ctx.unit_model,
        "unit_year": ctx.unit_year,
    }


def _bounded(value):
    return value if value is None or abs(value) < 10**12 else None


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def invoice_ingest(
    *,
    payloads: Iterable[Any],
    trigger: str = IngestRun.Trigger.FILE,
    source: str = "",
    actor=None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[Tally], None] | None = None,
) -> IngestRun:
    """Ingest invoice payloads (any iterable, e.g. pages streamed from the API) as one run.

    The run ends ``succeeded`` (even with failed invoices, which are counted) or, when the
    run itself breaks (an unreadable file, the API down), ``failed`` with its error; the
    exception is then re-raised. Monitoring hears about the run either way.
    """
    run = ingest_run_start(trigger=trigger, source=source, actor=actor)
    tally = Tally()
    batch: list = []

    def flush() -> None:
        chunk = batch[:]
        batch.clear()
        tally.add(_ingest_batch(run, chunk))
        ingest_run_progress(run=run, tally=tally)
        if progress:
            progress(tally)

    try:
        try:
            for payload in payloads:
                batch.append(payload)
                if len(batch) >= batch_size:
                    flush()
        finally:
            if batch:  # what arrived before a failure is still kept
                flush()
    except Exception as exc:
        ingest_run_finish(run=run, tally=tally, error=f"{type(exc).__name__}: {exc}")
        raise
    return ingest_run_finish(run=run, tally=tally)


def _ingest_batch(run: IngestRun, batch: list[Any]) -> Tally:
    tally = Tally(fetched=len(batch))
    incoming: dict[str, tuple[str, Any, str]] = {}
    for payload in batch:
        text = canonical_json(payload)
        digest = hashlib.sha256(text.encode()).hexdigest()
        if "\\u0000" in text:
            payload = storable(payload, text)
            text = canonical_json(payload)
        incoming[payload_key(payload, digest)] = (digest, payload, text)  # the last copy wins
    tally.skipped += len(batch) - len(incoming)
    stored = {
        key: (pk, digest, status)
        for pk, key, digest, status in RawInvoice.objects.filter(
            primary_key__in=list(incoming)
        ).values_list("id", "primary_key", "payload_hash", "status")
    }
    now = timezone.now()
    new, changed, to_process = [], [], []
    for key, (digest, payload, text) in incoming.items():
        current = stored.get(key)
        if current and current[1] == digest and current[2] != Status.PENDING:
            tally.skipped += 1  # unchanged: nothing changes
            continue
        to_process.append(key)
        if current and current[1] == digest:
            continue  # stored but never processed (an interrupted run): process it now
        fields = dict(
            payload=payload,
            payload_hash=digest,
            status=Status.PENDING,
            error="",
            run=run,
            received_at=now,
            **payload_summary(payload),
        )
        row = (
            RawInvoice(pk=current[0], **fields)
            if current
            else RawInvoice(primary_key=key, **fields)
        )
        row.json_text = text
        (changed if current else new).append(row)
    raw_invoices_write(new=new, changed=changed)
    if to_process:
        ids = dict(
            RawInvoice.objects.filter(primary_key__in=to_process).values_list("primary_key", "id")
        )
        items = [(ids[key], incoming[key][0], incoming[key][1]) for key in to_process if key in ids]
        tally.add(process_claimed(run=run, items=items))
    return tally
