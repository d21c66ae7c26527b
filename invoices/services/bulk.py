"""Fast insertion of line items: PostgreSQL ``COPY``, ``executemany`` elsewhere.

Line items are the big table (about ten per invoice). Django's ``bulk_create`` spends
most of its time preparing each of ~50 values per row in Python; here the rows are
plain tuples in a fixed column order, handed to the driver as they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import connection
from django.utils import timezone

from invoices.flatten import FlattenResult
from invoices.flatten.rows import CONTEXT_FIELDS, ITEM_FIELDS
from invoices.models import LineItem

LINE_COLUMNS = ("raw_invoice_id", "line_number", *CONTEXT_FIELDS, *ITEM_FIELDS)
_CREATED = LINE_COLUMNS.index("invoice_created")
_LINE_TYPE = LINE_COLUMNS.index("line_type")


def line_tuples(raw_id: int, result: FlattenResult) -> list[tuple]:
    """One tuple per row of ``result``, in ``LINE_COLUMNS`` order (aware ``invoice_created``)."""
    created = result.context.invoice_created
    if created is not None and timezone.is_naive(created):
        created = timezone.make_aware(created)
    rows = []
    for row in result.rows:
        ctx, item = row.context, row.item
        values = [raw_id, row.line_number]
        values.extend(getattr(ctx, name) for name in CONTEXT_FIELDS)
        values.extend(getattr(item, name) for name in ITEM_FIELDS)
        values[_CREATED] = created
        values[_LINE_TYPE] = str(values[_LINE_TYPE])
        rows.append(tuple(values))
    return rows


def line_items_insert(rows: Sequence[tuple], *, batch_size: int = 5000) -> int:
    """Insert line-item tuples (``LINE_COLUMNS`` order); call inside the caller's transaction."""
    if not rows:
        return 0
    table = connection.ops.quote_name(LineItem._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in LINE_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            copy_sql = f"COPY {table} ({columns}) FROM STDIN"
            # Django's exception classes (DatabaseError...), as for any other query.
            with connection.wrap_database_errors, cursor.cursor.copy(copy_sql) as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            adapt = _sqlite_row
            placeholders = ", ".join(["%s"] * len(LINE_COLUMNS))
            sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"
            for start in range(0, len(rows), batch_size):
                cursor.executemany(sql, [adapt(r) for r in rows[start : start + batch_size]])
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
