"""``invoice_ingest``: keep every raw payload, flatten it, replace its line items. Set-based.

Per invoice, with no database (``invoices.services.prepare``, in worker processes for
many files on PostgreSQL): canonical JSON hashed once, flattened, its rows formatted for
the database. Per batch: one query finds what is stored; new payloads are inserted
(COPY on PostgreSQL) and changed ones updated back to ``pending`` (the raw backup is
committed before processing starts); unchanged ones are skipped untouched. Then, in one
transaction, pending rows are claimed with a conditional ``UPDATE`` carrying a token
(two workers never process the same invoice), their old lines and issues are deleted
and the new ones inserted (COPY). A payload that cannot be flattened is marked
``failed`` with its error; the rest of the batch goes on.

On PostgreSQL, invoices no one has stored yet skip the pending state: each is written
once, final, with its lines, in one transaction per batch (``invoices.services.fresh``),
after the batch's stored ones; if the database refuses that, they take the path above.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import Value
from django.utils import timezone

from invoices.loaders import InvoiceFileError, payloads_from_file, unreadable_files_error
from invoices.models import IngestRun, RawInvoice
from invoices.services.fresh import fresh_write
from invoices.services.prepare import (
    Prepared,
    canonical_json,
    complete,
    identify,
    payload_hash,
    payload_key,
    payload_summary,
)
from invoices.services.process import copy_mode, process_prepared
from invoices.services.raw import raw_invoices_write, raw_row
from invoices.services.runs import (
    Tally,
    ingest_run_finish,
    ingest_run_progress,
    ingest_run_start,
)
from invoices.services.totals import RAW

__all__ = [
    "BATCH_SIZE",
    "canonical_json",
    "invoice_ingest",
    "payload_hash",
    "payload_key",
    "payload_summary",
]

BATCH_SIZE = 500
Status = RawInvoice.Status


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


def _prepared(
    payloads: Iterable[Any] | None, paths: list[Path] | None, unreadable: list[str]
) -> Iterator[Prepared]:
    """Identified invoices (flattened later, only if they have to be processed).

    A file that cannot be read is skipped, its error appended to ``unreadable``.
    """
    if paths is not None:
        payloads = _files_payloads(paths, unreadable)
    for payload in payloads or ():
        yield identify(payload)


def _files_payloads(paths: list[Path], unreadable: list[str]) -> Iterator[Any]:
    for path in paths:
        try:
            payloads = payloads_from_file(path)
        except InvoiceFileError as exc:
            unreadable.append(str(exc))
            continue
        yield from payloads


def _stored_payload(payload: Any) -> Any:
    """``payload`` as the ORM must be given it: a payload that is JSON ``null`` is stored as
    JSON null, not SQL NULL, which the column refuses (and SQLite's conflict-ignoring insert
    then dropped the row: the invoice was neither kept raw nor counted failed)."""
    return (
        Value(None, output_field=RawInvoice._meta.get_field("payload"))
        if payload is None
        else payload
    )


def invoice_ingest(
    *,
    payloads: Iterable[Any] | None = None,
    paths: list[Path] | None = None,
    trigger: str = IngestRun.Trigger.FILE,
    source: str = "",
    actor=None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[Tally], None] | None = None,
    workers: int | None = None,
    run: IngestRun | None = None,
    window: tuple[dt.date, dt.date] | None = None,
) -> IngestRun:
    """Ingest invoice payloads (any iterable, e.g. pages streamed from the API) as one run.

    Or ``paths``: invoice files (``invoices.loaders.json_files``), prepared by ``workers``
    processes (default ``INVOICES_INGEST_WORKERS``) when there are several on PostgreSQL.
    The run ends ``succeeded`` (even with failed invoices, which are counted) or, when the
    run itself breaks (the API down), ``failed`` with its error; the exception is then
    re-raised. A file that cannot be read stops nothing: every other file is ingested, then
    the run ends ``failed`` naming each unreadable file with its error and raises
    ``InvoiceFileError`` (the same in process and with workers). Monitoring hears about the
    run either way. ``run``: an existing running row to carry on (an upload queued for the
    cluster) instead of a new one. ``window``: the invoice dates pulled from the API.
    """
    if run is None:
        run = ingest_run_start(trigger=trigger, source=source, actor=actor, window=window)
    tally = Tally()
    batch: list[Prepared] = []

    def flush() -> None:
        chunk = batch[:]
        batch.clear()
        tally.add(_ingest_batch(run, chunk))
        ingest_run_progress(run=run, tally=tally)
        if progress:
            progress(tally)

    if paths is not None:
        from invoices.services.pool import ingest_workers, parallel_possible

        workers = ingest_workers() if workers is None else workers
        if parallel_possible(paths, workers):
            return _ingest_parallel(run, tally, paths, workers, batch_size, progress)
    unreadable: list[str] = []
    try:
        try:
            for prepared in _prepared(payloads, paths, unreadable):
                batch.append(prepared)
                if len(batch) >= batch_size:
                    flush()
        finally:
            if batch:  # what arrived before a failure is still kept
                flush()
        if unreadable:
            raise unreadable_files_error(unreadable)
    except Exception as exc:
        ingest_run_finish(run=run, tally=tally, error=f"{type(exc).__name__}: {exc}")
        raise
    return ingest_run_finish(run=run, tally=tally)


def _ingest_parallel(run, tally, paths, workers, batch_size, progress) -> IngestRun:
    from invoices.services.pool import files_ingest_parallel

    def on_file(file_tally: Tally) -> None:
        tally.add(file_tally)
        ingest_run_progress(run=run, tally=tally)
        if progress:
            progress(tally)

    try:
        unreadable = files_ingest_parallel(
            run_id=run.pk, files=paths, workers=workers, batch_size=batch_size, on_file=on_file
        )
        if unreadable:
            raise unreadable_files_error(unreadable)
    except Exception as exc:
        ingest_run_finish(run=run, tally=tally, error=f"{type(exc).__name__}: {exc}")
        raise
    return ingest_run_finish(run=run, tally=tally)


def _ingest_batch(run: IngestRun, batch: list[Prepared]) -> Tally:
    tally = Tally(fetched=len(batch))
    incoming = {prepared.key: prepared for prepared in batch}  # the last copy wins
    tally.skipped += len(batch) - len(incoming)
    copy = copy_mode()
    stored = {key: (pk, digest, status) for pk, key, digest, status in _stored(list(incoming))}
    now = timezone.now()
    new, changed, to_process, fresh = [], [], [], []
    for key, prepared in incoming.items():
        current = stored.get(key)
        if current and current[1] == prepared.digest and current[2] != Status.PENDING:
            tally.skipped += 1  # unchanged: nothing changes
            continue
        if prepared.outcome is None:
            complete(prepared, copy=copy)
        if copy and current is None:
            fresh.append(prepared)  # never stored: written final in one go if possible
            continue
        to_process.append(key)
        if current and current[1] == prepared.digest:
            continue  # stored but never processed (an interrupted run): process it now
        if copy:  # PostgreSQL: plain records, written by COPY / executemany as they are
            row = raw_row(key, prepared.text, prepared.digest, run.pk, now, prepared.summary,
                          pk=current[0] if current else None)  # fmt: skip
        else:
            fields = dict(payload=_stored_payload(prepared.payload), payload_hash=prepared.digest,
                          status=Status.PENDING, error="", run=run, received_at=now,
                          **prepared.summary)  # fmt: skip
            row = (
                RawInvoice(pk=current[0], **fields)
                if current
                else RawInvoice(primary_key=key, **fields)
            )
        (changed if current else new).append(row)
    # Stored ones first: a batch that stops while waiting on one (a lock, a lost
    # connection) has committed none of its new invoices either, as before.
    tally.add(_store_and_process(run, incoming, new, changed, to_process))
    if fresh and (written := fresh_write(run_id=run.pk, items=fresh, now=now)) is not None:
        tally.add(written)
    elif fresh:  # refused (a key another worker stored meanwhile, a value): general path
        rows = [raw_row(p.key, p.text, p.digest, run.pk, now, p.summary) for p in fresh]
        tally.add(_store_and_process(run, incoming, rows, [], [p.key for p in fresh]))
    return tally


def _store_and_process(run, incoming: dict, new: list, changed: list, keys: list) -> Tally:
    """The general path: store raw rows (committed), then claim ``keys`` and write them."""
    if new or changed:
        raw_invoices_write(new=new, changed=changed)
    if not keys:
        return Tally()
    ids = {key: pk for pk, key, _digest, _status in _stored(keys)}
    items = [(ids[k], incoming[k].digest, incoming[k].outcome) for k in keys if k in ids]
    return process_prepared(run=run, items=items)


def _stored(keys: list[str]) -> list[tuple]:
    """``(id, primary_key, payload_hash, status)`` of the stored rows among ``keys``."""
    if connection.vendor == "postgresql":  # one array parameter instead of an IN list
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id, primary_key, payload_hash, status FROM {RAW} "
                "WHERE primary_key = ANY(%s)",
                [keys],
            )
            return cursor.fetchall()
    return list(
        RawInvoice.objects.filter(primary_key__in=keys).values_list(
            "id", "primary_key", "payload_hash", "status"
        )
    )
