"""``PayloadField``: a JSONField kept as PostgreSQL ``json`` (text) with lz4 TOAST compression.

The raw payload is only ever read whole, by Python (admin page, reprocessing): no SQL or
reporting view looks inside it. ``jsonb`` made the server build a binary tree of every
multi-kilobyte payload on write, then compress it with pglz, which together cost more
PostgreSQL CPU than writing the invoice's ten line items. ``json`` only validates the
text; lz4 compresses it several times faster than pglz (migration 0009 sets it).
Elsewhere (SQLite) it is Django's JSONField unchanged.
"""

from __future__ import annotations

from django.db import models


class PayloadField(models.JSONField):
    def db_type(self, connection):
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def from_db_value(self, value, expression, connection):
        # psycopg decodes ``json`` columns itself (jsonb ones arrive as text for Django).
        if connection.vendor == "postgresql":
            return value
        return super().from_db_value(value, expression, connection)
