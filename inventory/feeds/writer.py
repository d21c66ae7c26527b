"""Set-based write of a parsed snapshot: staging table, then delete-missing + upsert.

PostgreSQL: :mod:`~inventory.feeds.pg_stream` streams the records with ``COPY`` into the
temporary table, then :func:`snapshot_apply` deletes and upserts (``INSERT ... ON
CONFLICT``) in its own statements. SQLite: :func:`snapshot_replace` stages the parsed
records with ``executemany``, then the generic statements of :func:`snapshot_apply`.
"""

from collections.abc import Iterable, Mapping

from django.db import connection
from django.utils import timezone

from fleetops.pgbulk import analyze_quickly
from inventory.feeds.parsing import RECORD_FIELDS, store_key, store_names
from inventory.models import DirtyVin, SourceRecord, VinAlias

TMP = "inv_feed_stage"
# the columns a load's statistics are taken on: those the statements filter and join on
ANALYZED = ("source", "key", "vin", "store")
# The fields reconciliation reads: a change in any of them re-queues the VIN.
TRACKED = ("vin", "store", "stock_number", "year", "make", "model", "trim", "category", "cost",
           "price", "msrp", "status")  # fmt: skip


def tracked(source: str) -> tuple[str, ...]:
    """The fields whose change rewrites a row of ``source`` (and queues its VIN). An OEM
    row's ``extra`` (order number, model code, ship date, ETA) moves while the allocation
    waits to be built, and triage reads it; the other sources' ``extra`` holds counters
    that move every day (days listed, last report) and is left as first sent."""
    return (*TRACKED, "extra") if source == "oem" else TRACKED


_TYPES = {
    "year": "integer",
    "cost": "numeric(12,2)",
    "price": "numeric(12,2)",
    "msrp": "numeric(12,2)",
    "line_number": "integer",
    "raw_line": "text",
}


def stage_create(cursor) -> None:
    """The empty staging table (one column per ``RECORD_FIELDS``)."""
    columns = ", ".join(f"{name} {_TYPES.get(name, 'varchar(120)')}" for name in RECORD_FIELDS)
    cursor.execute(f"DROP TABLE IF EXISTS {TMP}")
    cursor.execute(f"CREATE TEMPORARY TABLE {TMP} ({columns})")


def _stage(cursor, records: list[tuple]) -> None:
    """SQLite: ``records`` into the staging table, indexed by key (PostgreSQL streams its
    records in with ``COPY`` and hash-joins them: :mod:`~inventory.feeds.pg_stream`)."""
    stage_create(cursor)
    names = ", ".join(RECORD_FIELDS)
    marks = ", ".join(["%s"] * len(RECORD_FIELDS))
    sql = f"INSERT INTO {TMP} ({names}) VALUES ({marks})"
    adapt = connection.ops.adapt_decimalfield_value
    money = {RECORD_FIELDS.index(n) for n in ("cost", "price", "msrp")}
    batch = 5000
    for start in range(0, len(records), batch):
        rows = [
            tuple(adapt(v, 12, 2) if i in money and v is not None else v for i, v in enumerate(r))
            for r in records[start : start + batch]
        ]
        cursor.executemany(sql, rows)
    cursor.execute(f"CREATE INDEX {TMP}_key ON {TMP} (key)")


def snapshot_replace(
    *, source: str, store: str, records: list[tuple], feed_import_id: int,
    stores: Mapping[str, str] | None = None,
) -> int:  # fmt: skip
    """Make ``source``'s snapshot (or ``store``'s part of it) exactly ``records`` (SQLite:
    PostgreSQL imports go through :func:`~inventory.feeds.pg_stream.pg_import`).

    ``stores``: the store aliases the file was read with (see :func:`spellings_of`).
    Returns the number of rows removed (vehicles gone from that system). Call inside a
    transaction.
    """
    with connection.cursor() as cursor:
        _stage(cursor, records)
    return snapshot_apply(source=source, store=store, feed_import_id=feed_import_id, stores=stores)


def spellings_of(
    store: str, names: Iterable[str], aliases: Mapping[str, str] | None = None
) -> list[str]:
    """``store`` and those of ``names`` that name it otherwise: spelled otherwise (as
    ``store_key`` compares names: the rows a whole-group file filed under ``MIDWAY
    HONDA`` are part of Midway Honda's snapshot too), or a name ``aliases`` (the store
    aliases of the source, a name as sent -> its store) maps to it: the rows imported
    under the dealer code ``C55555`` before its alias was added are that store's too."""
    key, aliases = store_key(store), store_names(aliases)

    def names_it(name: str) -> bool:
        return key in (store_key(name), store_key(aliases.get(store_key(name), "")))

    return sorted({store, *filter(names_it, names)})


def snapshot_scope(
    cursor, source: str, store: str, stores: Mapping[str, str] | None = None
) -> tuple[str, list]:
    """``(condition, params)`` of the rows of ``source`` a snapshot replaces, following
    ``source = %s``: all of them, or with ``store`` that store's, under every name they
    carry (:func:`spellings_of`, ``stores`` the source's store aliases; one read of the
    source's rows)."""
    if not store:
        return "", [source]
    table = SourceRecord._meta.db_table
    cursor.execute(f"SELECT DISTINCT store FROM {table} WHERE source = %s", [source])
    spellings = spellings_of(store, (name for (name,) in cursor.fetchall()), stores)
    return f" AND store IN ({', '.join(['%s'] * len(spellings))})", [source, *spellings]


def aliases_apply(cursor, source: str) -> None:
    """Confirmed matches in the staged rows: a key staff confirmed as another spelling of
    a VIN becomes that VIN, unless the snapshot also holds the VIN itself (then the
    alias row is dropped)."""
    alias = VinAlias._meta.db_table
    cursor.execute(
        f"DELETE FROM {TMP} WHERE key IN (SELECT a.from_key FROM {alias} a "
        f"WHERE a.source = %s AND a.vin IN (SELECT key FROM {TMP}))",
        [source],
    )
    cursor.execute(
        f"UPDATE {TMP} SET vin = a.vin, key = a.vin, vin8 = substr(a.vin, 10, 8) "
        f"FROM {alias} a WHERE a.source = %s AND a.from_key = {TMP}.key",
        [source],
    )


def snapshot_apply(
    *, source: str, store: str, feed_import_id: int, stores: Mapping[str, str] | None = None
) -> int:
    """Replace the snapshot with the rows already staged (see ``snapshot_replace``)."""
    if connection.vendor == "postgresql":
        return _apply_pg(source=source, store=store, feed_import_id=feed_import_id, stores=stores)
    table = SourceRecord._meta.db_table
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        aliases_apply(cursor, source)
        dirty = DirtyVin._meta.db_table
        distinct = "IS NOT"  # SQLite's IS DISTINCT FROM
        where_store, params = snapshot_scope(cursor, source, store, stores)
        gone = (
            f"source = %s{where_store} "
            f"AND NOT EXISTS (SELECT 1 FROM {TMP} t WHERE t.key = {table}.key)"
        )
        # The reconciliation recomputes only the VINs queued here: rows going away...
        cursor.execute(
            f"INSERT INTO {dirty} (vin) SELECT vin FROM {table} WHERE {gone} AND vin <> ''",
            params,
        )
        cursor.execute(f"DELETE FROM {table} WHERE {gone}", params)
        removed = cursor.rowcount
        # ... and rows new or changed.
        differs = " OR ".join(f"s.{c} {distinct} t.{c}" for c in tracked(source))
        cursor.execute(
            f"INSERT INTO {dirty} (vin) SELECT t.vin FROM {TMP} t LEFT JOIN {table} s "
            f"ON s.source = %s AND s.key = t.key WHERE t.vin <> '' AND (s.id IS NULL OR {differs})",
            [source],
        )
        names = ", ".join(RECORD_FIELDS)
        updates = ", ".join(f"{name} = excluded.{name}" for name in RECORD_FIELDS if name != "key")
        # Rows whose reconciled fields are unchanged are left alone (a daily snapshot mostly
        # repeats itself; vAuto's age column moves every day): their raw row, line number
        # and import stay those of the import that last changed them.
        changed = " OR ".join(f"{table}.{c} {distinct} excluded.{c}" for c in tracked(source))
        cursor.execute(
            f"INSERT INTO {table} (source, feed_import_id, first_seen_at, last_seen_at, {names}) "
            f"SELECT %s, %s, %s, %s, {names} FROM {TMP} WHERE true "
            f"ON CONFLICT (source, key) DO UPDATE SET {updates}, "
            "feed_import_id = excluded.feed_import_id, last_seen_at = excluded.last_seen_at "
            f"WHERE {changed}",
            [source, feed_import_id, now, now],
        )
        cursor.execute(f"DROP TABLE {TMP}")
    return removed


def _apply_pg(*, source: str, store: str, feed_import_id: int, stores=None) -> int:
    """PostgreSQL: the same result as the generic statements, in fewer passes.

    Imports of one source are serialised by a transaction lock; the queue of changed VINs
    is filled from ``RETURNING`` of the delete and of the upsert; the upsert only touches
    rows that are new or whose reconciled fields changed (one hash join finds them); a
    source with no rows yet (first load) gets a plain ``INSERT``.
    """
    with connection.cursor() as cursor:
        aliases, loaded = source_state(cursor, source)
        if aliases or loaded:  # joins ahead: without statistics a temporary table looks tiny
            cursor.execute(f"ANALYZE {TMP} (key)")
        # and a source table without fresh statistics (just loaded) can look empty: a
        # nested loop over the staged rows would then be quadratic (minutes at 20k rows)
        cursor.execute("SET LOCAL enable_nestloop = off")
        try:
            removed = _apply_pg_statements(
                cursor, source, store, feed_import_id, aliases, loaded, stores
            )
        finally:
            cursor.execute("SET LOCAL enable_nestloop = on")
        if not loaded:
            # A source's first rows, staged into a table holding the others': until they are
            # sampled the planner counts one row for the source (autovacuum would wait for
            # a tenth of the table to change), and the reconciliation's joins are planned
            # on that.
            analyze_quickly(cursor, SourceRecord._meta.db_table, ANALYZED)
        return removed


def feed_lock(cursor, source: str) -> None:
    """PostgreSQL: wait for any import of ``source`` to end, and hold its imports off until
    this transaction ends (a transaction-level advisory lock)."""
    cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"inventory.feed.{source}"])


def source_state(cursor, source: str) -> tuple[bool, bool]:
    """PostgreSQL: ``(has confirmed aliases, has rows)`` for ``source``, its imports serialised.

    The transaction lock makes a second import of the same source wait for the first.
    """
    table, alias = SourceRecord._meta.db_table, VinAlias._meta.db_table
    feed_lock(cursor, source)
    cursor.execute(
        f"SELECT EXISTS (SELECT 1 FROM {alias} WHERE source = %s), "
        f"EXISTS (SELECT 1 FROM {table} WHERE source = %s)",
        [source, source],
    )
    return cursor.fetchone()


def _apply_pg_statements(cursor, source, store, feed_import_id, aliases, loaded, stores) -> int:
    """The statements of :func:`_apply_pg` (its lock, statistics and planner settings held)."""
    table, dirty = SourceRecord._meta.db_table, DirtyVin._meta.db_table
    now = timezone.now()
    names = ", ".join(RECORD_FIELDS)
    if aliases:
        aliases_apply(cursor, source)
    if not loaded:
        cursor.execute(
            f"INSERT INTO {table} (source, feed_import_id, first_seen_at, last_seen_at, "
            f"{names}) SELECT %s, %s, %s, %s, {names} FROM {TMP}",
            [source, feed_import_id, now, now],
        )  # two plain statements: cheaper than RETURNING into the queue
        cursor.execute(f"INSERT INTO {dirty} (vin) SELECT vin FROM {TMP} WHERE vin <> ''")
        cursor.execute(f"DROP TABLE {TMP}")
        return 0
    # Rows gone from the snapshot (of this store): deleted, their VINs queued.
    where_store, params = snapshot_scope(cursor, source, store, stores)
    cursor.execute(
        f"WITH gone AS (DELETE FROM {table} s WHERE source = %s{where_store} AND NOT EXISTS "
        f"(SELECT 1 FROM {TMP} t WHERE t.key = s.key) RETURNING vin), "
        f"q AS (INSERT INTO {dirty} (vin) SELECT vin FROM gone WHERE vin <> '') "
        "SELECT count(*) FROM gone",
        params,
    )
    removed = cursor.fetchone()[0]
    # Rows new or changed (a daily snapshot mostly repeats itself; vAuto's age column
    # moves every day): unchanged rows keep their raw row, line and import.
    differs = " OR ".join(f"s.{c} IS DISTINCT FROM t.{c}" for c in tracked(source))
    updates = ", ".join(f"{name} = excluded.{name}" for name in RECORD_FIELDS if name != "key")
    cursor.execute(
        f"WITH up AS (INSERT INTO {table} (source, feed_import_id, first_seen_at, "
        f"last_seen_at, {names}) SELECT %s, %s, %s, %s, "
        + ", ".join(f"t.{n}" for n in RECORD_FIELDS)
        + f" FROM {TMP} t LEFT JOIN {table} s ON s.source = %s AND s.key = t.key "
        f"WHERE s.id IS NULL OR {differs} "
        f"ON CONFLICT (source, key) DO UPDATE SET {updates}, "
        "feed_import_id = excluded.feed_import_id, last_seen_at = excluded.last_seen_at "
        f"RETURNING vin) INSERT INTO {dirty} (vin) SELECT vin FROM up WHERE vin <> ''",
        [source, feed_import_id, now, now, source],
    )
    cursor.execute(f"DROP TABLE {TMP}")
    return removed
