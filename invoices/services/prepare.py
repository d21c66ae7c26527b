"""The CPU-bound half of an ingest, with no database: parse, hash, flatten, format the rows.

``prepare_payload(payload)`` turns one invoice into a ``Prepared`` record: its natural
key, the SHA-256 of its canonical JSON (computed once), the canonical text itself (what
the raw row stores), the summary columns, and the flattened outcome (the line rows ready
for the database, issues and per-invoice totals, or the error that keeps it raw as
failed). Everything here is picklable and pure, so worker processes can prepare files
while the main process writes (``invoices.services.pool``).

Canonical JSON is ``orjson`` with sorted keys (several times faster than ``json``); a
payload orjson cannot serialise (integers beyond 64 bits, lone surrogates) falls back to
the ``json`` module's canonical form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import reprlib
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import Any

import orjson
from django.utils import timezone

from fleetops.pgbulk import COPY_NULL, copy_field
from invoices.choices import PRIMARY_KEY_MAX_LENGTH, LineType
from invoices.flatten import FlattenError, FlattenResult, flatten_invoice, invoice_context
from invoices.flatten.coerce import to_text
from invoices.flatten.rows import CONTEXT_FIELDS, ITEM_FIELDS

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
_LIMIT_VALUES = tuple(LIMITS.values())
_limited = attrgetter(*LIMITS)
LINE_COLUMNS = ("raw_invoice_id", "line_number", *CONTEXT_FIELDS, *ITEM_FIELDS)
# COPY text rows are written without the raw invoice id, which the writer appends last.
COPY_COLUMNS = (*LINE_COLUMNS[1:], "raw_invoice_id")
_CREATED = LINE_COLUMNS.index("invoice_created")
_LINE_TYPE = LINE_COLUMNS.index("line_type")
_BY_TYPE = {
    LineType.LABOR: "labor_amount",
    LineType.PART: "parts_amount",
    LineType.FREIGHT: "freight_amount",
    LineType.SUPPLY: "supply_amount",
    LineType.MISC: "misc_amount",
}
ZERO = Decimal("0.00")


def canonical_json(payload: Any) -> str:
    """Sorted keys, no spaces: the same invoice always gives the same text (and hash)."""
    try:
        return orjson.dumps(payload, option=orjson.OPT_SORT_KEYS, default=str).decode()
    except (orjson.JSONEncodeError, TypeError):
        return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)


def payload_hash(payload: Any) -> str:
    return hashlib.sha256(canonical_json(payload).encode()).hexdigest()


def payload_key(payload: Any, digest: str) -> str:
    """The natural key (``primaryKey``); a payload without one is kept under its hash, and so
    is one whose key is longer than the key column (``flatten_invoice`` fails it)."""
    key = to_text(payload.get("primaryKey")) if isinstance(payload, dict) else ""
    return key if 0 < len(key) <= PRIMARY_KEY_MAX_LENGTH else f"nokey-{digest[:26]}"


def _bounded(value):
    return value if value is None or abs(value) < 10**12 else None


def summary_from_context(ctx) -> dict:
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


def payload_summary(payload: Any) -> dict:
    """Header fields for lists and filters, each read on its own: an invoice that cannot be
    flattened still keeps every field that can be read (never raises)."""
    if not isinstance(payload, dict):
        return {}
    return summary_from_context(invoice_context(payload, tolerant=True))


def flatten_or_error(payload: Any) -> FlattenResult | str:
    """The flattened invoice, or the reason it cannot be stored as line items."""
    try:
        result = flatten_invoice(payload)
    except FlattenError as exc:
        return str(exc)
    except (TypeError, ValueError, AttributeError, ArithmeticError) as exc:
        return f"unexpected {type(exc).__name__}: {exc}"
    sums = dict.fromkeys(_BY_TYPE, ZERO)
    for row in result.rows:
        for name, limit, value in zip(LIMITS, _LIMIT_VALUES, _limited(row.item), strict=True):
            if value is not None and not -limit < value < limit:
                return f"line {row.line_number}: {name} {value} is out of range"
        if row.item.line_type in sums:
            sums[row.item.line_type] += row.item.amount
    for name in ("invoice_sub_total", "invoice_tax_total", "invoice_total"):
        value = getattr(result.context, name)
        if value is not None and abs(value) >= LIMITS["amount"]:
            return f"{name} {value} is out of range"
    # Rows each in range can add up past what the invoice's stored totals hold: SQLite kept
    # such a total and then failed to read the raw invoice back, PostgreSQL refused the batch.
    labelled = [(f"the {LineType(t).label.lower()} lines", value) for t, value in sums.items()]
    for label, value in (("the lines", result.amount_total), *labelled):
        if abs(value) >= LIMITS["amount"]:
            return f"{label} add up to {value}, out of range for an invoice's totals"
    for issue in result.issues:
        if issue.difference is not None and abs(issue.difference) >= LIMITS["amount"]:
            return f"{issue.kind} difference {issue.difference} is out of range"
    return result


@dataclass(slots=True)
class Outcome:
    """A flattened invoice, ready to write: rows, issues and the totals stored on the raw row."""

    lines: bytes | list  # COPY text rows without the raw id (PostgreSQL), else tuples
    line_count: int
    issues: list[tuple]  # (kind, message, difference)
    totals: dict
    total_value: Decimal
    clean: bool


@dataclass(slots=True)
class Prepared:
    """One incoming invoice: key, hash, canonical text, summary and its outcome."""

    key: str
    digest: str
    text: str
    summary: dict
    outcome: Outcome | str | None = None
    payload: Any = None  # dropped where the canonical text is enough (PostgreSQL COPY)


def line_tuples(raw_id: int | None, result: FlattenResult) -> list[tuple]:
    """One tuple per row of ``result``, in ``LINE_COLUMNS`` order (aware ``invoice_created``)."""
    created = _aware(result.context.invoice_created)
    rows = []
    for row in result.rows:
        ctx, item = row.context, row.item
        values = [raw_id, row.line_number]
        values.extend([getattr(ctx, name) for name in CONTEXT_FIELDS])
        values.extend([getattr(item, name) for name in ITEM_FIELDS])
        values[_CREATED] = created
        values[_LINE_TYPE] = str(values[_LINE_TYPE])
        rows.append(tuple(values))
    return rows


_FORMAT = {
    str: copy_field,
    type(None): lambda _: COPY_NULL,
    Decimal: str,
    int: str,
    bool: lambda v: "t" if v else "f",
    dt.date: dt.date.isoformat,
    dt.datetime: dt.datetime.isoformat,
}


def _copy_value(value) -> str:
    fmt = _FORMAT.get(type(value))
    if fmt is None:  # a str subclass (choices) or anything unexpected
        return copy_field(str(value))
    return fmt(value)


def copy_text(rows: list[tuple]) -> bytes:
    """PostgreSQL COPY text rows (``COPY_COLUMNS`` but the last), each ending in a tab."""
    out = []
    for row in rows:
        out.append("\t".join([_copy_value(v) for v in row[1:]]))
        out.append("\t\n")
    return "".join(out).encode()


_CTX_CREATED = CONTEXT_FIELDS.index("invoice_created")
# The invoice-level part of a context (invoice .. unit) and the rest (complaint, correction).
_SPLIT = CONTEXT_FIELDS.index("complaint_primary_key")
_head_values = attrgetter(*CONTEXT_FIELDS[:_SPLIT])
_tail_values = attrgetter(*CONTEXT_FIELDS[_SPLIT:])
_item_values = attrgetter(*ITEM_FIELDS)


def _join(values) -> str:
    return "\t".join([_copy_value(v) for v in values])


def result_copy_text(result: FlattenResult) -> bytes:
    """``copy_text(line_tuples(None, result))``, formatting shared values only once.

    Every context of an invoice shares its invoice-level values (formatted once per
    invoice); each distinct context's complaint and correction values are formatted once.
    """
    created = _aware(result.context.invoice_created)
    head_values = _head_values(result.context)
    head = list(head_values)
    head[_CTX_CREATED] = created
    head_text = _join(head)
    contexts: dict[int, str] = {}
    out = []
    for row in result.rows:
        ctx = row.context
        ctx_text = contexts.get(id(ctx))
        if ctx_text is None:
            if ctx is result.context or _head_values(ctx) == head_values:
                ctx_text = f"{head_text}\t{_join(_tail_values(ctx))}"
            else:  # not derived from the invoice's context: format it whole
                values = list(_head_values(ctx) + _tail_values(ctx))
                values[_CTX_CREATED] = created
                ctx_text = _join(values)
            contexts[id(ctx)] = ctx_text
        out.append(f"{row.line_number}\t{ctx_text}\t{_join(_item_values(row.item))}\t\n")
    return "".join(out).encode()


def _aware(created: dt.datetime | None) -> dt.datetime | None:
    if created is not None and timezone.is_naive(created):
        return timezone.make_aware(created)
    return created


def _totals(result: FlattenResult) -> dict:
    totals = dict.fromkeys(_BY_TYPE.values(), ZERO)
    lines_total = ZERO
    first_complaint = ""
    for row in result.rows:
        amount = row.item.amount
        lines_total += amount
        column = _BY_TYPE.get(row.item.line_type)
        if column:
            totals[column] += amount
        if not first_complaint and row.context.complaint_note:
            first_complaint = row.context.complaint_note
    totals.update(
        line_count=len(result.rows),
        lines_total=lines_total,
        issue_count=len(result.issues),
        first_complaint=first_complaint,
    )
    return totals


def outcome_of(payload: Any, *, copy: bool) -> Outcome | str:
    """Flatten ``payload`` into what the writer needs (COPY text when ``copy``), or an error."""
    result = flatten_or_error(payload)
    return result if isinstance(result, str) else _outcome(result, copy=copy)


def _outcome(result: FlattenResult, *, copy: bool) -> Outcome:
    return Outcome(
        lines=result_copy_text(result) if copy else line_tuples(None, result),
        line_count=len(result.rows),
        issues=[(i.kind, i.message, i.difference) for i in result.issues],
        totals=_totals(result),
        total_value=result.context.invoice_total or ZERO,
        clean=not result.issues,
    )


# A surrogate code point in a decoded string: half of a pair that never came whole ("\ud800"
# alone in the JSON, which the ``json`` module reads). No UTF-8 text, so no database, holds it.
_SURROGATE = re.compile("[\ud800-\udfff]")


def _clean(text: str) -> str:
    return _SURROGATE.sub("\ufffd", text.replace("\x00", ""))


def _without_nul(value: Any) -> Any:
    """``value`` with NUL removed from every string in it, object keys included, and each
    lone surrogate replaced by U+FFFD (the replacement character)."""
    if isinstance(value, str):
        return _clean(value)
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nul(item) for item in value]
    return value


def storable(payload: Any, text: str) -> tuple[Any, str]:
    """The payload without NUL characters, which no PostgreSQL text or jsonb value can hold,
    and without lone surrogates, which no UTF-8 text can (each becomes U+FFFD).

    The canonical text escapes a NUL as ``\\u0000`` and a surrogate as ``\\udXXX`` (only the
    ``json`` module writes those, as orjson refuses lone surrogates); that text can also be an
    escaped backslash followed by the same letters, so the decoded strings are cleaned, never
    the text.
    """
    if "\\u0000" not in text and "\\ud" not in text:
        return payload, text
    cleaned = _without_nul(payload)
    return cleaned, canonical_json(cleaned)


def identify(payload: Any) -> Prepared:
    """Key, hash and canonical text of one payload (not flattened yet: see ``complete``).

    Never raises: a payload that cannot be identified is kept raw, failed with its error,
    and the rest of the batch goes on.
    """
    try:
        text = canonical_json(payload)
    except Exception as exc:  # nested deeper than any JSON encoder goes
        return _unwritable(payload, exc)
    digest = hashlib.sha256(text.encode()).hexdigest()
    try:
        payload, text = storable(payload, text)
        key = payload_key(payload, digest)
    except Exception as exc:
        return Prepared(key=f"nokey-{digest[:26]}", digest=digest, text=text, summary={},
                        outcome=_error(exc), payload=payload)  # fmt: skip
    return Prepared(key=key, digest=digest, text=text, summary={}, payload=payload)


def _error(exc: Exception) -> str:
    return f"cannot be identified: {type(exc).__name__}: {exc}"


def _unwritable(payload: Any, exc: Exception) -> Prepared:
    """A payload with no JSON text: a failed row holding a short preview of it and its
    summary, under its hash (never replacing a stored version of the same invoice)."""
    preview = reprlib.repr(payload)
    text = canonical_json(preview)
    digest = hashlib.sha256(text.encode()).hexdigest()
    try:
        summary = payload_summary(payload)
    except Exception:
        summary = {}
    error = f"{_error(exc)} (stored: a preview, the payload cannot be written as JSON)"
    return Prepared(key=f"nokey-{digest[:26]}", digest=digest, text=text, summary=summary,
                    outcome=error, payload=preview)  # fmt: skip


def complete(prepared: Prepared, *, copy: bool) -> Prepared:
    """Flatten an identified payload: its outcome and summary columns (payload kept)."""
    payload = prepared.payload
    if payload is None:
        payload = prepared.payload = orjson.loads(prepared.text)
    result = flatten_or_error(payload)
    if isinstance(result, str):
        prepared.outcome, prepared.summary = result, payload_summary(payload)
    else:
        prepared.outcome = _outcome(result, copy=copy)
        prepared.summary = summary_from_context(result.context)
    return prepared


def prepare_payload(payload: Any, *, copy: bool, keep_payload: bool = True) -> Prepared:
    """Everything about one payload that needs no database (see the module docstring)."""
    prepared = complete(identify(payload), copy=copy)
    if not keep_payload:
        prepared.payload = None
    return prepared
