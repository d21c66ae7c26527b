"""Ingesting many invoice files with several worker processes (PostgreSQL).

Parsing, hashing and flattening are CPU work, writing is database work; one process
does one at a time. For many files on PostgreSQL, ``files_ingest_parallel`` forks
``INVOICES_INGEST_WORKERS`` processes (default: the CPU count, at most 4) that each
ingest whole files into the same run, batch by batch, through the same claim design as
any other ingest (a conditional ``UPDATE`` with a token), with their own database
connections. The parent closes its connection before forking (children must never share
it), collects each file's counts as it finishes, and keeps the run's heartbeat and
progress. A file a worker cannot read does not stop the others: its ``InvoiceFileError``
message is returned to the caller, which fails the run naming it once every other file is in.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection, connections

from invoices.services.runs import Tally


def ingest_workers() -> int:
    """Worker processes for file ingests (setting ``INVOICES_INGEST_WORKERS``; 1 = none)."""
    default = min(4, os.cpu_count() or 1)
    return max(1, int(getattr(settings, "INVOICES_INGEST_WORKERS", default)))


def parallel_possible(files: list[Path], workers: int) -> bool:
    """Several files, several workers, PostgreSQL, no open transaction to share, and a
    process allowed to have children (django-q2's workers are daemonic: a task ingests
    its files in the worker itself)."""
    return (
        workers > 1
        and len(files) > 1
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
        and not multiprocessing.current_process().daemon
    )


def _file_ingest(run_id: int, path: str, batch_size: int) -> Tally:
    """One file into run ``run_id`` (in a worker process, on its own connection)."""
    from invoices.loaders import payloads_from_file
    from invoices.models import IngestRun
    from invoices.services.ingest import _chunks, _ingest_batch
    from invoices.services.prepare import identify

    try:
        run = IngestRun(pk=run_id)
        tally = Tally()
        payloads = payloads_from_file(path)
        for chunk in _chunks(payloads, batch_size):
            tally.add(_ingest_batch(run, [identify(p) for p in chunk]))
        return tally
    finally:
        connections.close_all()


def files_ingest_parallel(
    *,
    run_id: int,
    files: list[Path],
    workers: int,
    batch_size: int,
    on_file: Callable[[Tally], None],
) -> list[str]:
    """Ingest ``files`` with ``workers`` forked processes; ``on_file`` gets each file's counts.

    Returns the errors of the files that could not be read (the others are all ingested).
    """
    from invoices.loaders import InvoiceFileError

    connections.close_all()  # a forked child must never write on the parent's socket
    context = multiprocessing.get_context("fork")
    unreadable = []
    with context.Pool(min(workers, len(files))) as pool:
        results = [
            pool.apply_async(_file_ingest, (run_id, str(path), batch_size)) for path in files
        ]
        for result in results:  # in file order
            try:
                file_tally = result.get()
            except InvoiceFileError as exc:
                unreadable.append(str(exc))
                continue
            on_file(file_tally)
    return unreadable
