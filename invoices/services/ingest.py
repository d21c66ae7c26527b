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
import uuid
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from invoices.flatten import FlattenError, FlattenResult, flatten_invoice, invoice_context
from invoices.flatten.coerce import to_text
from invoices.models import IngestRun, InvoiceIssue, LineItem, RawInvoice
from invoices.services.bulk import line_items_insert, line_tuples
from invoices.services.raw import raw_invoices_write
from invoices.services.runs import Tally, ingest_run_finish, ingest_run_start

BATCH_SIZE = 500
LINE_BATCH_SIZE = 2000
Status = RawInvoice.Status


def payload_hash(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


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
    incoming: dict[str, tuple[str, Any]] = {}
    for payload in batch:
        digest = payload_hash(payload)
        incoming[payload_key(payload, digest)] = (digest, payload)  # the last copy wins
    tally.skipped += len(batch) - len(incoming)
    stored = {
        key: (pk, digest, status)
        for pk, key, digest, status in RawInvoice.objects.filter(
            primary_key__in=list(incoming)
        ).values_list("id", "primary_key", "payload_hash", "status")
    }
    now = timezone.now()
    new, changed, to_process = [], [], []
    for key, (digest, payload) in incoming.items():
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
        if current:
            changed.append(RawInvoice(pk=current[0], **fields))
        else:
            new.append(RawInvoice(primary_key=key, **fields))
    raw_invoices_write(new=new, changed=changed)
    if to_process:
        ids = dict(
            RawInvoice.objects.filter(primary_key__in=to_process).values_list("primary_key", "id")
        )
        items = [(ids[key], incoming[key][0], incoming[key][1]) for key in to_process if key in ids]
        tally.add(process_claimed(run=run, items=items))
    return tally


def process_claimed(*, run: IngestRun, items: list[tuple[int, str, Any]]) -> Tally:
    """Flatten ``(raw id, payload hash, payload)`` items, claim the pending rows, write lines.

    Only rows this call wins (still ``pending`` when claimed) are written; a row whose
    stored payload differs from the one given (another worker stored a newer one) is
    flattened from the stored payload.
    """
    tally = Tally()
    results: dict[int, FlattenResult | str] = {
        raw_id: _flatten_or_error(payload) for raw_id, _, payload in items
    }
    given_hash = {raw_id: digest for raw_id, digest, _ in items}
    token = uuid.uuid4().hex
    now = timezone.now()
    with transaction.atomic():
        RawInvoice.objects.filter(pk__in=list(results), status=Status.PENDING).update(
            status=Status.PROCESSED,
            claim_token=token,
            processed_at=now,
            error="",
            attempts=F("attempts") + 1,
            run=run,
        )
        won = dict(
            RawInvoice.objects.filter(pk__in=list(results), claim_token=token).values_list(
                "id", "payload_hash"
            )
        )
        stale = [raw_id for raw_id, digest in won.items() if digest != given_hash[raw_id]]
        for raw_id, payload in RawInvoice.objects.filter(pk__in=stale).values_list("id", "payload"):
            results[raw_id] = _flatten_or_error(payload)
        LineItem.objects.filter(raw_invoice_id__in=list(won)).delete()
        InvoiceIssue.objects.filter(raw_invoice_id__in=list(won)).delete()
        lines, issues = [], []
        for raw_id in won:
            result = results[raw_id]
            if isinstance(result, str):
                tally.failed += 1
                tally.errors.append(result)
                RawInvoice.objects.filter(pk=raw_id).update(status=Status.FAILED, error=result)
                continue
            tally.processed += 1
            tally.clean += not result.issues
            tally.total_value += result.context.invoice_total or 0
            lines.extend(line_tuples(raw_id, result))
            issues.extend(
                InvoiceIssue(
                    raw_invoice_id=raw_id,
                    kind=i.kind,
                    message=i.message,
                    difference=i.difference,
                    created_at=now,
                )
                for i in result.issues
            )
        tally.line_items_created += line_items_insert(lines)
        InvoiceIssue.objects.bulk_create(issues, batch_size=LINE_BATCH_SIZE)
    return tally


def _flatten_or_error(payload: Any) -> FlattenResult | str:
    try:
        return flatten_invoice(payload)
    except FlattenError as exc:
        return str(exc)
    except (TypeError, ValueError, AttributeError, ArithmeticError) as exc:
        return f"unexpected {type(exc).__name__}: {exc}"
