"""Writing raw invoice rows in bulk.

On PostgreSQL new rows are COPied (canonical JSON text, validated into the ``json`` column by the
server); the rest go through a server-side-binding psycopg cursor (``executemany`` in
pipeline mode, text cast to ``json``): Django's client-side binding would quote every
multi-kilobyte payload in Python, which costs more than everything else in an ingest.
Elsewhere Django's ``bulk_create``/``bulk_update`` do the job.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from invoices.models import RawInvoice
from invoices.services.prepare import canonical_json

SUMMARY_FIELDS = (
    "invoice_number",
    "invoice_date",
    "customer_title",
    "shop_title",
    "unit_vin",
    "sub_total",
    "total",
    "customer_id",
    "unit_number",
    "unit_make",
    "unit_model",
    "unit_year",
)
CHANGED_FIELDS = ("payload", "payload_hash", "status", "error", "run", "received_at",
                  *SUMMARY_FIELDS)  # fmt: skip
_PG_CHANGED = ("payload", "payload_hash", "status", "error", "run_id", "received_at",
               "updated_at", *SUMMARY_FIELDS)  # fmt: skip
_PG_NEW = ("primary_key", *_PG_CHANGED, "attempts", "claim_token")


_SUMMARY_DEFAULTS = {
    name: RawInvoice._meta.get_field(name).get_default() for name in SUMMARY_FIELDS
}


class RawRow:
    """A raw invoice row as ``raw_invoices_write`` reads it on PostgreSQL, without the cost
    of a model instance (attribute names as on ``RawInvoice``)."""

    __slots__ = ("pk", "primary_key", "payload", "json_text", "payload_hash", "status", "error",
                 "run_id", "received_at", "attempts", *SUMMARY_FIELDS)  # fmt: skip


def raw_row(key: str, text: str, digest: str, run_id: int, now, summary: dict, *, pk=None):
    """A pending raw row for ``key``: canonical JSON ``text`` stored as is, its summary."""
    row = RawRow()
    row.pk, row.primary_key, row.payload, row.json_text = pk, key, None, text
    row.payload_hash, row.status, row.error = digest, RawInvoice.Status.PENDING, ""
    row.run_id, row.received_at, row.attempts = run_id, now, 0
    for name, default in _SUMMARY_DEFAULTS.items():
        setattr(row, name, summary.get(name, default))
    return row


def raw_invoices_write(*, new: list, changed: list) -> None:
    """Insert ``new`` rows (ignoring keys another worker stored first) and update ``changed``.

    Rows are ``RawInvoice`` instances, or on PostgreSQL ``RawRow`` records (``raw_row``).

    Rows are written in key order: two workers storing overlapping invoices then lock
    them in the same order, so one waits for the other instead of PostgreSQL aborting
    one of them with "deadlock detected".
    """
    new = sorted(new, key=lambda o: o.primary_key)
    changed = sorted(changed, key=lambda o: o.pk)
    if connection.vendor == "postgresql":
        _pg_write(new, changed)
        return
    if new:
        RawInvoice.objects.bulk_create(new, batch_size=200, ignore_conflicts=True)
    if changed:
        RawInvoice.objects.bulk_update(changed, CHANGED_FIELDS, batch_size=200)


def _value(obj: RawInvoice, name: str, now):
    if name == "payload":  # canonical JSON text, validated by the server (json)
        json_text = getattr(obj, "json_text", None)
        return json_text if json_text is not None else canonical_json(obj.payload)
    if name == "updated_at":
        return now
    if name == "claim_token":
        return ""
    return getattr(obj, name)


def _pg_copy_new(table: str, new: list[RawInvoice], now) -> bool:
    """COPY new rows (fastest); False when a key already exists (another worker got there)."""
    from django.db import IntegrityError

    try:  # errors raised by the raw psycopg cursor are wrapped as Django's (IntegrityError)
        with transaction.atomic(), connection.wrap_database_errors, connection.cursor() as cursor:
            columns = ", ".join(_PG_NEW)
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for obj in new:
                    copy.write_row(tuple(_value(obj, c, now) for c in _PG_NEW))
    except IntegrityError:
        return False
    return True


def _pg_write(new: list[RawInvoice], changed: list[RawInvoice]) -> None:
    from psycopg import Cursor

    table = RawInvoice._meta.db_table
    now = timezone.now()
    with transaction.atomic():
        connection.ensure_connection()
        if new and _pg_copy_new(table, new, now):
            new = []
        with connection.wrap_database_errors, Cursor(connection.connection) as cursor:
            if new:
                columns = ", ".join(_PG_NEW)
                marks = ", ".join("%s::json" if c == "payload" else "%s" for c in _PG_NEW)
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({marks}) "
                    "ON CONFLICT (primary_key) DO NOTHING",
                    [tuple(_value(o, c, now) for c in _PG_NEW) for o in new],
                )
            if changed:
                sets = ", ".join(
                    f"{c} = %s::json" if c == "payload" else f"{c} = %s" for c in _PG_CHANGED
                )
                # Another worker may have stored (and processed) this same version since
                # we read the row: leave it, or it would go back to pending.
                cursor.executemany(
                    f"UPDATE {table} SET {sets} WHERE id = %s AND payload_hash IS DISTINCT FROM %s",
                    [
                        (*(_value(o, c, now) for c in _PG_CHANGED), o.pk, o.payload_hash)
                        for o in changed
                    ],
                )
