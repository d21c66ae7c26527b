"""Invoices never stored before, written final in one transaction (PostgreSQL).

The general path stores a batch's raw rows as ``pending`` and commits them, then claims
them with a conditional ``UPDATE`` and writes their lines in a second transaction. For
invoices no worker has stored yet (the bulk of any first ingest), this writes each raw
row once, already ``processed`` (or ``failed`` with its flattening error) with its
totals, together with its lines and issues, in one transaction: no claim ``UPDATE``
(a second version of every multi-kilobyte row and an entry in each of its indexes), no
look-up of the new ids (they are taken from the table's sequence first).

Inserting the row is the claim: another worker storing the same key at the same time
waits on the unique index and then fails. On any database error (that race, or a value
the database refuses) the transaction rolls back as a whole and ``fresh_write`` returns
``None``: the caller sends those invoices through the general path, which stores the
raw payloads first and isolates a refused invoice. Nothing is ever half-written.
"""

from __future__ import annotations

import uuid

from django.db import DatabaseError, connection, transaction

from invoices.models import InvoiceIssue, RawInvoice
from invoices.services import process
from invoices.services.prepare import Outcome, Prepared
from invoices.services.raw import SUMMARY_FIELDS, raw_row
from invoices.services.runs import Tally
from invoices.services.totals import RAW, TOTAL_COLUMNS

_COLUMNS = ("id", "primary_key", "payload", "payload_hash", "status", "error", "run_id",
            "received_at", "updated_at", "processed_at", "attempts", "claim_token",
            *SUMMARY_FIELDS, *TOTAL_COLUMNS)  # fmt: skip
Status = RawInvoice.Status


def fresh_write(*, run_id: int, items: list[Prepared], now) -> Tally | None:
    """Write never-stored invoices (flattened) final; ``None`` when the database refused."""
    items = sorted(items, key=lambda p: p.key)  # the same lock order as every writer
    try:
        with transaction.atomic(), connection.wrap_database_errors:
            return _write(run_id, items, now)
    except DatabaseError:
        return None


def _write(run_id: int, items: list[Prepared], now) -> Tally:
    tally = Tally()
    token = uuid.uuid4().hex
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [RAW, len(items)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        rows, chunks, issues, done = [], [], [], []
        for raw_id, prepared in zip(ids, items, strict=True):
            outcome = prepared.outcome
            row = raw_row(prepared.key, prepared.text, prepared.digest, run_id, now,
                          prepared.summary, pk=raw_id)  # fmt: skip
            if isinstance(outcome, Outcome):
                status, error, totals = Status.PROCESSED, "", outcome.totals
                tally.count_processed(outcome)
                done.append(raw_id)
                chunks.append(outcome.lines.replace(b"\t\n", b"\t%d\n" % raw_id))
                issues.extend(process.issue_rows(raw_id, outcome, now))
            else:
                status, error, totals = Status.FAILED, str(outcome), None
                tally.failed += 1
                tally.errors.append(error)
            rows.append(
                (
                    raw_id,
                    row.primary_key,
                    row.json_text,
                    row.payload_hash,
                    status,
                    error,
                    run_id,
                    now,
                    now,
                    now,
                    1,
                    token,
                    *(getattr(row, name) for name in SUMMARY_FIELDS),
                    *(totals[c] if totals else None for c in TOTAL_COLUMNS),
                )  # fmt: skip
            )
        with cursor.cursor.copy(f"COPY {RAW} ({', '.join(_COLUMNS)}) FROM STDIN") as copy:
            for values in rows:
                copy.write_row(values)
    process.lines_write(raw_ids=done, copy_data=chunks, tuples=[])
    InvoiceIssue.objects.bulk_create(issues, batch_size=process.BATCH_SIZE)
    return tally
