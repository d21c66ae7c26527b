"""Per-invoice totals of the line items, computed by the database from the rows just written.

Stored on the raw invoice in the same transaction as its lines, so the invoice-level
reporting views read one row per invoice instead of aggregating every line item.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

RAW = "invoices_rawinvoice"
LINE = "invoices_lineitem"
ISSUE = "invoices_invoiceissue"
TOTAL_COLUMNS = ("line_count", "lines_total", "labor_amount", "parts_amount", "freight_amount",
                 "supply_amount", "misc_amount", "issue_count", "first_complaint")  # fmt: skip
CHUNK = 500


def _by_type(line_type: str) -> str:
    return f"SUM(CASE WHEN l.line_type = '{line_type}' THEN l.amount ELSE 0 END)"


def invoice_totals_refresh(*, raw_ids: Sequence[int]) -> None:
    """Recompute the stored totals of ``raw_ids`` (zero for an invoice without lines)."""
    with connection.cursor() as cursor:
        for start in range(0, len(raw_ids), CHUNK):
            chunk = list(raw_ids[start : start + CHUNK])
            marks = ", ".join(["%s"] * len(chunk))
            cursor.execute(
                f"UPDATE {RAW} SET line_count = 0, lines_total = 0, labor_amount = 0, "
                "parts_amount = 0, freight_amount = 0, supply_amount = 0, misc_amount = 0, "
                f"first_complaint = '', issue_count = (SELECT COUNT(*) FROM {ISSUE} i "
                f"WHERE i.raw_invoice_id = {RAW}.id) WHERE id IN ({marks})",
                chunk,
            )
            cursor.execute(
                f"""
                UPDATE {RAW} SET line_count = s.line_count, lines_total = s.lines_total,
                    labor_amount = s.labor_amount, parts_amount = s.parts_amount,
                    freight_amount = s.freight_amount, supply_amount = s.supply_amount,
                    misc_amount = s.misc_amount,
                    first_complaint = COALESCE((
                        SELECT l2.complaint_note FROM {LINE} l2
                        WHERE l2.raw_invoice_id = {RAW}.id AND l2.complaint_note <> ''
                        ORDER BY l2.line_number LIMIT 1), '')
                FROM (
                    SELECT l.raw_invoice_id, COUNT(*) AS line_count, SUM(l.amount) AS lines_total,
                           {_by_type("LABOR")} AS labor_amount, {_by_type("PART")} AS parts_amount,
                           {_by_type("FREIGHT")} AS freight_amount,
                           {_by_type("SUPPLY")} AS supply_amount, {_by_type("MISC")} AS misc_amount
                    FROM {LINE} l WHERE l.raw_invoice_id IN ({marks})
                    GROUP BY l.raw_invoice_id
                ) s
                WHERE {RAW}.id = s.raw_invoice_id
                """,
                chunk,
            )


_PG_TYPES = {"line_count": "integer", "issue_count": "integer", "first_complaint": "text"}
# ``unnest`` of the arrays ``totals_arrays`` returns, as a table ``s(id, <TOTAL_COLUMNS>)``.
TOTALS_FROM = (
    "unnest(%s::bigint[], "
    + ", ".join(f"%s::{_PG_TYPES.get(c, 'numeric')}[]" for c in TOTAL_COLUMNS)
    + f") AS s(id, {', '.join(TOTAL_COLUMNS)})"
)
TOTALS_SET = ", ".join(f"{c} = s.{c}" for c in TOTAL_COLUMNS)  # from TOTALS_FROM's row


def totals_arrays(done: Sequence[tuple[int, dict | None]]) -> list[list]:
    """One array of ids and one per total column (None everywhere for a ``None`` totals)."""
    arrays = [[raw_id for raw_id, _ in done]]
    arrays += [[totals[c] if totals else None for _, totals in done] for c in TOTAL_COLUMNS]
    return arrays


def invoice_totals_write(done: Sequence[tuple[int, dict]]) -> None:
    """Store totals computed while flattening: ``(raw id, {column: value})`` pairs.

    One ``UPDATE ... FROM unnest(arrays)`` on PostgreSQL, ``executemany`` elsewhere.
    """
    if not done:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {RAW} SET {TOTALS_SET} FROM {TOTALS_FROM} WHERE {RAW}.id = s.id",
                totals_arrays(done),
            )
            return
        sets = ", ".join(f"{c} = %s" for c in TOTAL_COLUMNS)
        cursor.executemany(
            f"UPDATE {RAW} SET {sets} WHERE id = %s",
            [(*(totals[c] for c in TOTAL_COLUMNS), raw_id) for raw_id, totals in done],
        )
