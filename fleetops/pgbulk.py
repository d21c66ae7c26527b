"""PostgreSQL bulk-write helpers shared by the apps that load millions of rows.

- :func:`copy_field` / :data:`COPY_NULL`: a value as a field of ``COPY``'s text format;
- :func:`bulk_settings`: the planner settings of a transaction doing set-based bulk work;
- :func:`indexes_rebuilt`: around a bulk load into a table that is empty (or small next
  to the load), drop its secondary indexes and build them again afterwards, in the same
  transaction: one sort per index instead of a million random B-tree insertions;
- :func:`analyze_quickly`: the small-sample ANALYZE that ends a bulk load.
"""

from collections.abc import Iterator
from contextlib import contextmanager

COPY_NULL = "\\N"
# The statistics target of the ANALYZE that ends a bulk load: a sample of 3,000 rows
# (300 x 10) instead of PostgreSQL's 30,000. The statements that follow in the same
# transaction need the table's size and about how many distinct values each column holds,
# which the small sample gives: at a million rows 0.02-0.05 s a table against 0.17-0.55 s.
# Autovacuum analyses the table in full once the load commits.
_LOAD_STATISTICS_TARGET = 10
_SPECIAL = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": None})


def copy_field(text: str) -> str:
    """``text`` as a field of ``COPY``'s text format.

    Backslash, tab and line breaks are escaped; NUL is dropped (PostgreSQL text cannot
    hold it). The common case, nothing to escape, costs one scan.
    """
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text or "\x00" in text:
        return text.translate(_SPECIAL)
    return text


def bulk_settings(cursor, *, work_mem: str) -> None:
    """For the rest of the transaction: no JIT (compiling the long expressions of bulk
    statements costs more than it saves, up to 0.7 s a statement at a million rows) and
    ``work_mem`` for sorts and hashes of a million keys in memory."""
    cursor.execute("SET LOCAL jit = off")
    cursor.execute("SELECT set_config('work_mem', %s, true)", [work_mem])


@contextmanager
def indexes_rebuilt(
    cursor,
    table: str,
    *,
    unique: bool = False,
    primary_key: bool = False,
    analyze: tuple[str, ...] = (),
) -> Iterator[None]:
    """Drop ``table``'s secondary indexes for the block, then build them again.

    Call inside a transaction: the ``DROP`` takes an exclusive lock on the table, held
    until commit, so other sessions wait rather than read a table without its indexes.
    Unique constraints stay unless ``unique`` (the load must then not rely on them to
    refuse duplicates: they are checked again when rebuilt, and a violation fails the
    transaction). So does the primary key, unless ``primary_key`` and no foreign key
    refers to the table (a load of serial ids writes the rightmost page of its index
    row after row: 0.5-0.9 s a million rows, where building it after takes 0.2-0.3 s).
    Foreign-key checks deferred by the load are run first: no index is built on a table
    with pending trigger events.

    The table is analysed at the end (a table just loaded has no statistics the planner
    could trust): only the ``analyze`` columns when given (the ones statements filter,
    join or group on; sampling long text columns costs the most), from a sample of
    3,000 rows (:data:`_LOAD_STATISTICS_TARGET`); the session's target is then put back.
    """
    cursor.execute(
        "SELECT i.relname, pg_get_indexdef(i.oid), c.conname, pg_get_constraintdef(c.oid) "
        "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
        "LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.conrelid = x.indrelid "
        "WHERE x.indrelid = %s::regclass AND (NOT x.indisprimary OR (%s AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint f WHERE f.confrelid = x.indrelid AND f.contype = 'f'))) "
        "ORDER BY x.indisprimary DESC, i.relname",
        [table, primary_key],
    )
    rebuild = []
    for index, index_sql, constraint, constraint_sql in cursor.fetchall():
        if constraint and not unique:
            continue
        if constraint:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{constraint}"')
            rebuild.append(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint}" {constraint_sql}')
        else:
            cursor.execute(f'DROP INDEX "{index}"')
            rebuild.append(index_sql)
    yield
    if rebuild:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for sql in rebuild:
        cursor.execute(sql)
    analyze_quickly(cursor, table, analyze)


def analyze_quickly(cursor, table: str, columns: tuple[str, ...] = ()) -> None:
    """``ANALYZE table (columns)`` (every column when none are given) from a sample of
    3,000 rows (:data:`_LOAD_STATISTICS_TARGET`), the session's target put back after:
    the statistics the statements right after a bulk load need, at a few hundredths of a
    second a million rows."""
    cursor.execute(
        "SELECT current_setting('default_statistics_target'), "
        "set_config('default_statistics_target', %s, true)",
        [str(_LOAD_STATISTICS_TARGET)],
    )
    target_before = cursor.fetchone()[0]
    cursor.execute(f"ANALYZE {table} ({', '.join(columns)})" if columns else f"ANALYZE {table}")
    cursor.execute("SELECT set_config('default_statistics_target', %s, true)", [target_before])
