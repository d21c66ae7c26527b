"""PostgreSQL fast path: one pass, the Python parser streaming records into ``COPY``.

The Python parser (:mod:`inventory.feeds.parsing`: header aliases, VIN normalisation
and check digit, ``$35,120.00`` amounts, duplicates, line numbers as the csv reader
counts them) validates each row and hands the record straight to psycopg's ``COPY``:
PostgreSQL writes the rows while Python reads the next ones (two processes, two cores),
and every row is written once:

- first load of a source (none of its rows yet, no confirmed VIN aliases): the records
  go straight into ``SourceRecord``. When the load brings at least as many rows as the
  table holds, its secondary indexes are dropped first and built again at the end (one
  sort per index instead of a million random B-tree inserts; the table is locked for
  the import's transaction, which a first load may afford); the VINs queued for the
  reconciliation are sent with one more ``COPY``;
- otherwise (daily re-import, ``--store`` parts, aliases): the records go into the
  temporary staging table, then :func:`~inventory.feeds.writer.snapshot_apply` writes
  only what changed.

Row issues are written with one ``COPY`` at the end. A structurally bad file raises
:class:`~inventory.feeds.parsing.FeedRejected` before anything is written, or (CSV
breaking mid-file, no usable row) while streaming: the import's transaction then rolls
everything back.
"""

from contextlib import nullcontext

from django.db import connection
from django.utils import timezone

from fleetops.pgbulk import bulk_settings, copy_field, indexes_rebuilt
from inventory.feeds.parsing import RECORD_FIELDS, ParsedFeed, feed_open, feed_scan
from inventory.feeds.writer import TMP, snapshot_apply, source_state, stage_create
from inventory.models import DirtyVin, FeedIssue, SourceRecord

_BATCH = 2000  # lines per write: PostgreSQL starts on them while Python reads on
# the columns a first load's statistics are taken on: those the statements filter and join on
_ANALYZED = ("source", "key", "vin", "store")


def pg_import(*, source: str, data: bytes, store: str, feed_import_id: int):
    """Validate and write ``data`` in one pass; ``(feed, rows removed)``. Inside a transaction."""
    feed_open(source, data, store=store)  # a bad header is refused before any lock or write
    with connection.cursor() as cursor:
        bulk_settings(cursor, work_mem="128MB")  # hash joins of a million staged keys
        aliases, loaded = source_state(cursor, source)
        if loaded or aliases:
            stage_create(cursor)
            feed = _stream(cursor, TMP, "", source, data, store, vins=False)[0]
            removed = snapshot_apply(source=source, store=store, feed_import_id=feed_import_id)
        else:
            feed = _first_load(cursor, source, data, store, feed_import_id)
            removed = 0
        _issues_write(cursor, feed, feed_import_id)
    return feed, removed


def _stream(cursor, table: str, head: str, source: str, data: bytes, store: str, vins=True,
            constants: tuple[str, ...] = ()):  # fmt: skip
    """Parse ``data`` into ``COPY table``: per line ``head`` (the values of the
    ``constants`` columns, or nothing when they are the columns' defaults) and the
    ``RECORD_FIELDS``.

    Returns ``(feed, VINs written)`` (no VINs unless ``vins``). Lines go out in batches;
    PostgreSQL stores one batch while Python parses the next.
    """
    feed, reader, parse_row = feed_open(source, data, store=store, copy_prefix=head)
    names = ", ".join((*constants, *RECORD_FIELDS) if head else RECORD_FIELDS)
    written: list[str] = []
    with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        batch: list[str] = []
        keep_line, keep_vin = batch.append, written.append

        def emit(record: tuple[str, str, str]) -> None:
            keep_line(record[2])
            if vins and record[1]:
                keep_vin(record[1])
            if len(batch) >= _BATCH:
                copy.write("".join(batch))
                batch.clear()

        feed_scan(feed, reader, parse_row, emit)
        copy.write("".join(batch))
    return feed, written


def _first_load(cursor, source: str, data: bytes, store: str, feed_import_id: int) -> ParsedFeed:
    """COPY the records into ``SourceRecord`` (see the module docstring)."""
    table = SourceRecord._meta.db_table
    lines = data.count(b"\n")
    cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) s", [lines + 1])
    rebuild = cursor.fetchone()[0] <= lines
    constants = {"source": source, "feed_import_id": int(feed_import_id),
                 "first_seen_at": timezone.now(), "last_seen_at": None}  # fmt: skip
    constants["last_seen_at"] = constants["first_seen_at"]
    with (
        indexes_rebuilt(cursor, table, unique=True, analyze=_ANALYZED) if rebuild else nullcontext()
    ):
        if rebuild:  # the table is locked already: the import's constants become column
            # defaults for this transaction instead of 80 bytes per row for COPY to parse
            for column, value in constants.items():
                cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT %s", [value])
            head = ""
        else:
            head = "\t".join(copy_field(str(v)) for v in constants.values()) + "\t"
        feed, vins = _stream(cursor, table, head, source, data, store, constants=tuple(constants))
        if rebuild:
            for column in constants:
                cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
        if vins:  # normalised VINs: A-Z and 0-9 only, nothing to escape in COPY's text format
            with cursor.cursor.copy(f"COPY {DirtyVin._meta.db_table} (vin) FROM STDIN") as copy:
                copy.write("\n".join(vins) + "\n")
    return feed


def _issues_write(cursor, feed: ParsedFeed, feed_import_id: int) -> None:
    if not feed.issues:
        return
    sql = (f"COPY {FeedIssue._meta.db_table} (feed_import_id, line_number, reason, raw_value, "
           "message, is_warning) FROM STDIN")  # fmt: skip
    with cursor.cursor.copy(sql) as copy:
        for i in feed.issues:
            copy.write_row(
                (feed_import_id, i.line_number, i.reason, i.raw_value[:200], i.message[:300],
                 i.is_warning)
            )  # fmt: skip
