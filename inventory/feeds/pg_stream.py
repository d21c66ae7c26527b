"""PostgreSQL fast path: one pass, the parser streaming records into ``COPY``.

The parser (:mod:`inventory.feeds.parsing`: header aliases, VIN normalisation and check
digit, ``$35,120.00`` amounts, duplicates, line numbers as the csv reader counts them)
validates each row and hands the records straight to psycopg's ``COPY``, a chunk at a
time: PostgreSQL writes one chunk while the next is read (two processes, two cores).
:func:`~inventory.feeds.columnar.copy_text` reads the file a column at a time where it
can, with the row parser's results. Where the records go:

- first load of a source (none of its rows yet, no confirmed VIN aliases) bringing at
  least a quarter as many rows as the table holds: the records go straight into
  ``SourceRecord``, its indexes (the key's and the primary key) dropped first and built
  again at the end (one sort instead of a million random B-tree inserts; the table is
  locked for the import's transaction, which a first load may afford); the next
  reconciliation is told to recompute every vehicle (one ``DirtyVin.EVERY`` row instead
  of each VIN queued);
- otherwise (daily re-import, ``--store`` parts, aliases, a small first load into a big
  table): the records go into the temporary staging table, then
  :func:`~inventory.feeds.writer.snapshot_apply` writes only what changed.

Row issues are written with one ``COPY`` at the end. A structurally bad file raises
:class:`~inventory.feeds.parsing.FeedRejected` before anything is written, or (CSV
breaking mid-file, no usable row) while streaming: the import's transaction then rolls
everything back.
"""

from collections.abc import Mapping

from django.db import connection
from django.utils import timezone
from psycopg.copy import QueuedLibpqWriter

from fleetops.pgbulk import bulk_settings, indexes_rebuilt
from inventory.feeds.parsing import RECORD_FIELDS, OpenedFeed, ParsedFeed, feed_open
from inventory.feeds.writer import ANALYZED, TMP, snapshot_apply, source_state, stage_create
from inventory.models import DirtyVin, FeedIssue, SourceRecord

# a first load's constants, sent as column defaults instead of on every line
_CONSTANTS = ("source", "feed_import_id", "first_seen_at", "last_seen_at")


def pg_import(
    *, source: str, data: bytes, store: str, feed_import_id: int,
    stores: Mapping[str, str] | None = None,
):  # fmt: skip
    """Validate and write ``data`` in one pass; ``(feed, rows removed)``. Inside a transaction.

    ``stores``: the store aliases the rows are read with (see ``feed_open``)."""
    # the file is read once; a bad header is refused here, before any lock or write
    opened = feed_open(source, data, store=store, copy=True, stores=stores)
    with connection.cursor() as cursor:
        bulk_settings(cursor, work_mem="128MB")  # hash joins of a million staged keys
        aliases, loaded = source_state(cursor, source)
        if not (loaded or aliases) and _large_next_to_table(cursor, data):
            _first_load(cursor, opened, source, feed_import_id)
            removed = 0
        else:
            stage_create(cursor)
            _stream(cursor, TMP, RECORD_FIELDS, opened)
            removed = snapshot_apply(
                source=source, store=store, feed_import_id=feed_import_id, stores=stores
            )
        _issues_write(cursor, opened.feed, feed_import_id)
    return opened.feed, removed


# A load of at least a quarter of the table's rows rebuilds its index rather than insert
# into it: sorting N keys once costs less than M random B-tree insertions once M >= N / 4.
_REBUILD_SHARE = 4


def _large_next_to_table(cursor, data: bytes) -> bool:
    """Whether the file's lines number at least a quarter of ``SourceRecord``'s rows
    (counted no further than that)."""
    limit = data.count(b"\n") * _REBUILD_SHARE
    table = SourceRecord._meta.db_table
    cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT %s) s", [limit + 1])
    return cursor.fetchone()[0] <= limit


def _stream(cursor, table: str, columns: tuple[str, ...], opened: OpenedFeed) -> None:
    """Parse the opened file into ``COPY table (columns)``.

    Writes go out through a writer thread: ``write`` returns at once, so Python goes on
    reading while the socket waits on PostgreSQL.
    """
    # imported here: polars takes 0.3 s to load, paid only by processes that import a feed
    from inventory.feeds.columnar import copy_text

    raw_cursor = cursor.cursor
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with raw_cursor.copy(sql, writer=QueuedLibpqWriter(raw_cursor)) as copy:
        copy_text(opened, copy.write)


def _first_load(cursor, opened, source: str, feed_import_id: int) -> None:
    """COPY the records straight into ``SourceRecord``, its indexes dropped meanwhile (see
    the module docstring). The table is locked until the import commits, so the load's
    constants are column defaults for the while instead of 80 bytes per line to parse."""
    table = SourceRecord._meta.db_table
    now = timezone.now()
    with indexes_rebuilt(cursor, table, unique=True, primary_key=True, analyze=ANALYZED):
        for column, value in zip(_CONSTANTS, (source, int(feed_import_id), now, now), strict=True):
            cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT %s", [value])
        _stream(cursor, table, RECORD_FIELDS, opened)
        for column in _CONSTANTS:
            cursor.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
    DirtyVin.objects.create(vin=DirtyVin.EVERY)  # the source is new: recompute every vehicle


def _issues_write(cursor, feed: ParsedFeed, feed_import_id: int) -> None:
    """The feed's issues in one ``COPY`` (their text holds no NUL: see ``parsing.Issue``)."""
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
