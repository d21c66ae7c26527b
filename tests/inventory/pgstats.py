"""What PostgreSQL's statistics say of a table, for the tests of the bulk loads' ANALYZE."""

from django.db import connection


def statistics_target() -> str:
    """The session's ``default_statistics_target``."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW default_statistics_target")
        return cursor.fetchone()[0]


def histogram_sizes(table: str, *columns: str) -> dict[str, int]:
    """Histogram bounds per analysed column of ``table`` among ``columns`` (0: none)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, coalesce(array_length(histogram_bounds, 1), 0) FROM pg_stats "
            "WHERE tablename = %s AND attname = ANY(%s)",
            [table, list(columns)],
        )
        return dict(cursor.fetchall())
