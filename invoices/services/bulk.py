"""Insertion of line-item tuples where COPY is not available (SQLite): ``executemany``.

Line items are the big table (about ten per invoice). Django's ``bulk_create`` spends
most of its time preparing each of ~50 values per row in Python; here the rows are
plain tuples in a fixed column order, handed to the driver as they are. On PostgreSQL
the rows are COPY text prepared by ``invoices.services.prepare`` instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection

from invoices.models import LineItem
from invoices.services.prepare import _CREATED, LINE_COLUMNS, copy_text, line_tuples

__all__ = ["LINE_COLUMNS", "line_items_insert", "line_tuples"]


def line_items_insert(rows: Sequence[tuple], *, batch_size: int = 5000) -> int:
    """Insert line-item tuples (``LINE_COLUMNS`` order); call inside the caller's transaction."""
    if not rows:
        return 0
    table = connection.ops.quote_name(LineItem._meta.db_table)
    if connection.vendor == "postgresql":
        from invoices.services.process import _copy_lines

        by_invoice: dict[int, list] = {}
        for row in rows:
            by_invoice.setdefault(row[0], []).append(row)
        _copy_lines(
            b"".join(
                copy_text(chunk).replace(b"\t\n", b"\t%d\n" % raw_id)
                for raw_id, chunk in by_invoice.items()
            )
        )
        return len(rows)
    columns = ", ".join(connection.ops.quote_name(c) for c in LINE_COLUMNS)
    placeholders = ", ".join(["%s"] * len(LINE_COLUMNS))
    sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), batch_size):
            cursor.executemany(sql, [_sqlite_row(r) for r in rows[start : start + batch_size]])
    return len(rows)


def _sqlite_row(row: tuple) -> tuple:
    """Dates and datetimes as Django stores them on SQLite (UTC, naive text)."""
    values = list(row)
    created = values[_CREATED]
    if isinstance(created, dt.datetime):
        values[_CREATED] = connection.ops.adapt_datetimefield_value(created)
    return tuple(
        str(v) if isinstance(v, dt.date) and not isinstance(v, dt.datetime) else v for v in values
    )
