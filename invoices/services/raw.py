"""Writing raw invoice rows in bulk.

On PostgreSQL the rows go through a server-side-binding psycopg cursor (``executemany``
in pipeline mode, payloads as ``jsonb``): Django's client-side binding would quote every
multi-kilobyte payload in Python, which costs more than everything else in an ingest.
Elsewhere Django's ``bulk_create``/``bulk_update`` do the job.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from invoices.models import RawInvoice

SUMMARY_FIELDS = (
    "invoice_number",
    "invoice_date",
    "customer_title",
    "shop_title",
    "unit_vin",
    "sub_total",
    "total",
)
CHANGED_FIELDS = ("payload", "payload_hash", "status", "error", "run", "received_at",
                  *SUMMARY_FIELDS)  # fmt: skip
_PG_CHANGED = ("payload", "payload_hash", "status", "error", "run_id", "received_at",
               "updated_at", *SUMMARY_FIELDS)  # fmt: skip
_PG_NEW = ("primary_key", *_PG_CHANGED, "attempts", "claim_token")


def raw_invoices_write(*, new: list[RawInvoice], changed: list[RawInvoice]) -> None:
    """Insert ``new`` rows (ignoring keys another worker stored first) and update ``changed``."""
    if connection.vendor == "postgresql":
        _pg_write(new, changed)
        return
    if new:
        RawInvoice.objects.bulk_create(new, batch_size=200, ignore_conflicts=True)
    if changed:
        RawInvoice.objects.bulk_update(changed, CHANGED_FIELDS, batch_size=200)


def _value(obj: RawInvoice, name: str, now):
    from psycopg.types.json import Jsonb

    if name == "payload":
        return Jsonb(obj.payload)
    if name == "updated_at":
        return now
    if name == "claim_token":
        return ""
    return getattr(obj, name)


def _pg_write(new: list[RawInvoice], changed: list[RawInvoice]) -> None:
    from psycopg import Cursor

    table = RawInvoice._meta.db_table
    now = timezone.now()
    with transaction.atomic():
        connection.ensure_connection()
        with Cursor(connection.connection) as cursor:
            if new:
                columns = ", ".join(_PG_NEW)
                marks = ", ".join(["%s"] * len(_PG_NEW))
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks}) "
                    "ON CONFLICT (primary_key) DO NOTHING",
                    [tuple(_value(o, c, now) for c in _PG_NEW) for o in new],
                )
            if changed:
                sets = ", ".join(f"{c} = %s" for c in _PG_CHANGED)
                cursor.executemany(
                    f"UPDATE {table} SET {sets} WHERE id = %s",
                    [(*(_value(o, c, now) for c in _PG_CHANGED), o.pk) for o in changed],
                )
