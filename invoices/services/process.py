"""Processing claimed raw invoices: claim with a conditional UPDATE, write the prepared lines.

Claim and writes share one transaction, so another worker either sees the rows still
``pending`` (and blocks on them until this commits, then finds them taken) or already
processed. If the database refuses a batch (a value too long or too large for a column),
the batch is retried invoice by invoice in savepoints so only the offending invoices
fail, with the database's message as their error.

On PostgreSQL the lines arrive as COPY text already formatted by ``prepare`` (possibly in
a worker process): the writer only appends each invoice's id and streams the bytes.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import F
from django.utils import timezone

from invoices.models import IngestRun, InvoiceIssue, LineItem, RawInvoice
from invoices.services.prepare import (
    COPY_COLUMNS,
    LIMITS,
    LINE_COLUMNS,
    Outcome,
    flatten_or_error,
    outcome_of,
)
from invoices.services.runs import Tally
from invoices.services.totals import (
    RAW,
    TOTAL_COLUMNS,
    TOTALS_FROM,
    TOTALS_SET,
    invoice_totals_write,
    totals_arrays,
)

__all__ = ["LIMITS", "flatten_or_error", "process_claimed", "process_prepared"]

Status = RawInvoice.Status
BATCH_SIZE = 2000


def copy_mode() -> bool:
    """True when lines are written with PostgreSQL COPY (formatted as text beforehand)."""
    return connection.vendor == "postgresql"


def process_claimed(*, run: IngestRun, items: list[tuple[int, str, Any]]) -> Tally:
    """Flatten ``(raw id, payload hash, payload)`` items, claim the pending rows, write lines."""
    copy = copy_mode()
    return process_prepared(
        run=run,
        items=[(raw_id, digest, outcome_of(data, copy=copy)) for raw_id, digest, data in items],
    )


def process_prepared(*, run: IngestRun, items: list[tuple[int, str, Outcome | str]]) -> Tally:
    """Claim the pending rows of ``(raw id, payload hash, outcome)`` items and write them.

    Only rows this call wins (still ``pending`` when claimed) are written; a row whose
    stored payload differs from the one given (another worker stored a newer one) is
    flattened again from the stored payload.
    """
    results: dict[int, Outcome | str] = {raw_id: outcome for raw_id, _, outcome in items}
    given_hash = {raw_id: digest for raw_id, digest, _ in items}
    token = uuid.uuid4().hex
    now = timezone.now()
    with transaction.atomic():
        won, totals_done = _claim(run, results, token, now)
        stale = [raw_id for raw_id, digest in won.items() if digest != given_hash[raw_id]]
        copy = copy_mode()
        for raw_id, payload in RawInvoice.objects.filter(pk__in=stale).values_list("id", "payload"):
            results[raw_id] = outcome_of(payload, copy=copy)
        totals_done = totals_done - set(stale)
        won_ids = sorted(won)
        try:
            with transaction.atomic():
                return _write(won_ids, results, now, totals_done)
        except DatabaseError:
            pass
        tally = Tally()  # the database refused the batch: find the culprits one by one
        for raw_id in won_ids:
            try:
                with transaction.atomic():
                    tally.add(_write([raw_id], results, now, totals_done))
            except DatabaseError as exc:
                results[raw_id] = f"database refused the lines: {exc}".strip()[:2000]
                tally.add(_write([raw_id], results, now, totals_done))
        return tally


def _claim(run: IngestRun, results: dict, token: str, now) -> tuple[dict[int, str], set[int]]:
    """Take the still-pending rows of ``results``.

    Returns ``{id: stored payload hash}`` of the rows won and the ids whose totals the
    claim stored. On PostgreSQL one ``UPDATE ... FROM unnest(...) RETURNING`` claims the
    rows, stores their totals (one new row version instead of two) and says which it won;
    elsewhere the ORM claims them and a query reads them back by token.
    """
    ids = list(results)
    if connection.vendor != "postgresql":
        RawInvoice.objects.filter(pk__in=ids, status=Status.PENDING).update(
            status=Status.PROCESSED,
            claim_token=token,
            processed_at=now,
            updated_at=now,  # update() skips auto_now: the attempt touches the row
            error="",
            attempts=F("attempts") + 1,
            run=run,
        )
        won = RawInvoice.objects.filter(pk__in=ids, claim_token=token)
        return dict(won.values_list("id", "payload_hash")), set()
    columns = totals_arrays(
        [(raw_id, r.totals if isinstance(r, Outcome) else None) for raw_id, r in results.items()]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {RAW} SET status = %s, claim_token = %s, processed_at = %s, "
            f"updated_at = %s, error = '', "
            f"attempts = attempts + 1, run_id = %s, {TOTALS_SET} "
            f"FROM {TOTALS_FROM} WHERE {RAW}.id = s.id AND {RAW}.status = %s "
            f"RETURNING {RAW}.id, {RAW}.payload_hash",
            [Status.PROCESSED, token, now, now, run.pk, *columns, Status.PENDING],
        )
        won = dict(cursor.fetchall())
    return won, {raw_id for raw_id, r in results.items() if isinstance(r, Outcome)}


def issue_rows(raw_id: int, outcome: Outcome, now) -> list[InvoiceIssue]:
    """The data-quality issues of one flattened invoice, as rows to create."""
    return [
        InvoiceIssue(
            raw_invoice_id=raw_id, kind=kind, message=message, difference=difference, created_at=now
        )  # fmt: skip
        for kind, message, difference in outcome.issues
    ]


def _write(raw_ids: list[int], results: dict, now, totals_done: set[int] = frozenset()) -> Tally:
    tally = Tally()
    _delete_previous(raw_ids)
    issues, done = [], []
    copy_chunks: list[bytes] = []
    tuples: list[tuple] = []
    for raw_id in raw_ids:
        result = results[raw_id]
        if isinstance(result, str):
            tally.failed += 1
            tally.errors.append(result)
            RawInvoice.objects.filter(pk=raw_id).update(
                status=Status.FAILED, error=result, **dict.fromkeys(TOTAL_COLUMNS)
            )
            continue
        tally.count_processed(result)
        done.append((raw_id, result.totals))
        if isinstance(result.lines, bytes):
            copy_chunks.append(result.lines.replace(b"\t\n", b"\t%d\n" % raw_id))
        else:
            tuples.extend((raw_id, *row[1:]) for row in result.lines)
        issues.extend(issue_rows(raw_id, result, now))
    lines_write(raw_ids=[raw_id for raw_id, _ in done], copy_data=copy_chunks, tuples=tuples)
    InvoiceIssue.objects.bulk_create(issues, batch_size=BATCH_SIZE)
    invoice_totals_write([(raw_id, totals) for raw_id, totals in done if raw_id not in totals_done])
    return tally


def _delete_previous(raw_ids: list[int]) -> None:
    """The lines and issues a previous version of these invoices left (none for new ones)."""
    if connection.vendor != "postgresql":
        LineItem.objects.filter(raw_invoice_id__in=raw_ids).delete()
        InvoiceIssue.objects.filter(raw_invoice_id__in=raw_ids).delete()
        return
    with connection.cursor() as cursor:  # one array parameter instead of an IN list
        for table in (LineItem._meta.db_table, InvoiceIssue._meta.db_table):
            cursor.execute(f"DELETE FROM {table} WHERE raw_invoice_id = ANY(%s)", [raw_ids])


def lines_write(*, raw_ids: list[int], copy_data: list[bytes], tuples: list[tuple]) -> None:
    """Write the line rows of ``raw_ids``: COPY text chunks, else tuples (``executemany``)."""
    if copy_data:
        _copy_lines(b"".join(copy_data))
    if tuples:
        from invoices.services.bulk import line_items_insert

        line_items_insert(tuples)


def _copy_lines(data: bytes) -> None:
    table = connection.ops.quote_name(LineItem._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in COPY_COLUMNS)
    sql = f"COPY {table} ({columns}) FROM STDIN"
    # Django's exception classes (DatabaseError...), as for any other query.
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        copy.write(data)


assert set(COPY_COLUMNS) == set(LINE_COLUMNS)
