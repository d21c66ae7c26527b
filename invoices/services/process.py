"""Processing claimed raw invoices: flatten, claim with a conditional UPDATE, write the lines.

Claim and writes share one transaction, so another worker either sees the rows still
``pending`` (and blocks on them until this commits, then finds them taken) or already
processed. If the database refuses a batch (a value too long or too large for a column),
the batch is retried invoice by invoice in savepoints so only the offending invoices
fail, with the database's message as their error.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from invoices.flatten import FlattenError, FlattenResult, flatten_invoice
from invoices.models import IngestRun, InvoiceIssue, LineItem, RawInvoice
from invoices.services.bulk import line_items_insert, line_tuples
from invoices.services.runs import Tally
from invoices.services.totals import TOTAL_COLUMNS, invoice_totals_refresh

Status = RawInvoice.Status
BATCH_SIZE = 2000
# Largest magnitude each kind of column holds (max_digits - decimal_places).
LIMITS = {
    "amount": Decimal(10) ** 12,
    "cost_amount": Decimal(10) ** 12,
    "margin": Decimal(10) ** 12,
    "quantity": Decimal(10) ** 10,
    "unit_cost": Decimal(10) ** 10,
    "unit_price": Decimal(10) ** 10,
    "hours": Decimal(10) ** 6,
    "actual_hours": Decimal(10) ** 6,
}


def process_claimed(*, run: IngestRun, items: list[tuple[int, str, Any]]) -> Tally:
    """Flatten ``(raw id, payload hash, payload)`` items, claim the pending rows, write lines.

    Only rows this call wins (still ``pending`` when claimed) are written; a row whose
    stored payload differs from the one given (another worker stored a newer one) is
    flattened from the stored payload.
    """
    results: dict[int, FlattenResult | str] = {
        raw_id: flatten_or_error(payload) for raw_id, _, payload in items
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
            results[raw_id] = flatten_or_error(payload)
        try:
            with transaction.atomic():
                return _write(list(won), results, now)
        except DatabaseError:
            pass
        tally = Tally()  # the database refused the batch: find the culprits one by one
        for raw_id in won:
            try:
                with transaction.atomic():
                    tally.add(_write([raw_id], results, now))
            except DatabaseError as exc:
                results[raw_id] = f"database refused the lines: {exc}".strip()[:2000]
                tally.add(_write([raw_id], results, now))
        return tally


def _write(raw_ids: list[int], results: dict, now) -> Tally:
    tally = Tally()
    LineItem.objects.filter(raw_invoice_id__in=raw_ids).delete()
    InvoiceIssue.objects.filter(raw_invoice_id__in=raw_ids).delete()
    lines, issues = [], []
    for raw_id in raw_ids:
        result = results[raw_id]
        if isinstance(result, str):
            tally.failed += 1
            tally.errors.append(result)
            RawInvoice.objects.filter(pk=raw_id).update(
                status=Status.FAILED, error=result, **dict.fromkeys(TOTAL_COLUMNS)
            )
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
            )  # fmt: skip
            for i in result.issues
        )
    tally.line_items_created += line_items_insert(lines)
    InvoiceIssue.objects.bulk_create(issues, batch_size=BATCH_SIZE)
    invoice_totals_refresh(raw_ids=[i for i in raw_ids if not isinstance(results[i], str)])
    return tally


def flatten_or_error(payload: Any) -> FlattenResult | str:
    """The flattened invoice, or the reason it cannot be stored as line items."""
    try:
        result = flatten_invoice(payload)
    except FlattenError as exc:
        return str(exc)
    except (TypeError, ValueError, AttributeError, ArithmeticError) as exc:
        return f"unexpected {type(exc).__name__}: {exc}"
    for row in result.rows:
        for name, limit in LIMITS.items():
            value = getattr(row.item, name)
            if value is not None and abs(value) >= limit:
                return f"line {row.line_number}: {name} {value} is out of range"
    for name in ("invoice_sub_total", "invoice_tax_total", "invoice_total"):
        value = getattr(result.context, name)
        if value is not None and abs(value) >= LIMITS["amount"]:
            return f"{name} {value} is out of range"
    return result
