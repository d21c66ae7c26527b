"""SQL of the ten reporting views (version 2, migrations 0005, 0012 and 0021), valid on
SQLite and PostgreSQL.

Invoice-level views read the per-invoice totals stored on ``invoices_rawinvoice`` when its
lines are written (``invoices.services.totals``), so they scan one row per invoice instead
of ten line items; parts and technicians aggregate the line items themselves. Where the
dialects differ (dates, durations, intervals) a view has one variant per vendor. A later
change to a view needs a new migration that calls ``views_create`` again.
"""

from __future__ import annotations

from django.conf import settings

from invoices.reports import sql_v1

RAW = "invoices_rawinvoice"

INVOICE_SUMMARY = f"""
SELECT r.id AS id, r.primary_key, r.invoice_number, r.invoice_date, r.customer_title,
       r.shop_title, r.unit_vin, r.status,
       COALESCE(r.line_count, 0) AS line_count,
       COALESCE(r.labor_amount, 0) AS labor_amount,
       COALESCE(r.parts_amount, 0) AS parts_amount,
       COALESCE(r.freight_amount, 0) AS freight_amount,
       COALESCE(r.supply_amount, 0) AS supply_amount,
       COALESCE(r.misc_amount, 0) AS misc_amount,
       COALESCE(r.lines_total, 0) AS lines_total,
       r.sub_total, r.total,
       COALESCE(r.issue_count, 0) AS issue_count
FROM {RAW} r
WHERE r.status = 'processed'
"""

CUSTOMER_ANALYSIS = f"""
SELECT r.customer_title AS customer_title, MAX(r.customer_id) AS customer_id,
       COALESCE(SUM(r.lines_total), 0) AS revenue,
       COUNT(*) AS invoices,
       COUNT(DISTINCT CASE WHEN r.unit_vin <> '' THEN r.unit_vin END) AS units,
       MAX(r.invoice_date) AS last_service
FROM {RAW} r
WHERE r.status = 'processed'
GROUP BY r.customer_title
"""

FLEET_ANALYSIS = f"""
SELECT r.unit_vin AS unit_vin, MAX(r.unit_number) AS unit_number, MAX(r.unit_make) AS make,
       MAX(r.unit_model) AS model, MAX(r.unit_year) AS year,
       MAX(r.customer_title) AS customer_title,
       COUNT(*) AS visits, COALESCE(SUM(r.lines_total), 0) AS spend,
       MAX(r.invoice_date) AS last_service,
       (SELECT r2.first_complaint FROM {RAW} r2
         WHERE r2.unit_vin = r.unit_vin AND r2.status = 'processed'
           AND r2.first_complaint <> ''
         ORDER BY r2.invoice_date DESC, r2.id DESC LIMIT 1) AS last_complaint
FROM {RAW} r
WHERE r.status = 'processed' AND r.unit_vin <> ''
GROUP BY r.unit_vin
"""

# A margin is a share of revenue: none for a part whose lines net to a credit (core
# returns, warranty credits), where (revenue - cost) / revenue would read 120 % (0012).
PARTS_ANALYSIS = f"""
SELECT {sql_v1._PART_KEY} AS part_key, MAX(l.part_number) AS part_number,
       MAX(l.description) AS description,
       COUNT(*) AS times_used, SUM(l.quantity) AS quantity,
       SUM(l.amount) AS revenue, SUM(COALESCE(l.cost_amount, 0)) AS cost,
       SUM(l.amount) - SUM(COALESCE(l.cost_amount, 0)) AS profit,
       CASE WHEN SUM(l.amount) > 0
            THEN ROUND(100.0 * (SUM(l.amount) - SUM(COALESCE(l.cost_amount, 0))) / SUM(l.amount), 2)
       END AS margin_pct
FROM {sql_v1.LINE} l
WHERE l.line_type = 'PART'
GROUP BY {sql_v1._PART_KEY}
"""

# The day an invoice was received is the business day, in TIME_ZONE (0021): by UTC date an
# invoice received at 8 pm in Chicago counted on the next day. PostgreSQL converts with the
# zone named when the view is made (TIME_ZONE then; a BI tool's own session zone does not
# move the days); SQLite's 'localtime' is the zone of the process reading, which Django sets
# to TIME_ZONE.
_ZONE = "__TIME_ZONE__"
RECENT_ACTIVITY = {
    "sqlite": sql_v1._RECENT.format(
        day="date(r.received_at, 'localtime')", raw=RAW, since="datetime('now', '-90 days')"
    ),
    "postgresql": sql_v1._RECENT.format(
        day=f"CAST(r.received_at AT TIME ZONE '{_ZONE}' AS date)",
        raw=RAW,
        since="now() - interval '90 days'",
    ),
}

VIEWS: dict[str, str | dict[str, str]] = {
    **sql_v1.VIEWS,
    "v_recent_activity": RECENT_ACTIVITY,
    "v_parts_analysis": PARTS_ANALYSIS,
    "v_invoice_summary": INVOICE_SUMMARY,
    "v_customer_analysis": CUSTOMER_ANALYSIS,
    "v_fleet_analysis": FLEET_ANALYSIS,
}


def view_sql(name: str, vendor: str) -> str:
    sql = VIEWS[name]
    if isinstance(sql, dict):
        sql = sql["postgresql" if vendor == "postgresql" else "sqlite"]
    return sql.replace(_ZONE, settings.TIME_ZONE.replace("'", "''"))


def views_create(apps, schema_editor) -> None:
    connection = schema_editor.connection
    with connection.cursor() as cursor:  # no params: '%' in LIKE patterns stays literal
        for name in VIEWS:
            cursor.execute(f"DROP VIEW IF EXISTS {name}")
            cursor.execute(f"CREATE VIEW {name} AS {view_sql(name, connection.vendor)}")


def views_drop(apps, schema_editor) -> None:
    with schema_editor.connection.cursor() as cursor:
        for name in reversed(list(VIEWS)):
            cursor.execute(f"DROP VIEW IF EXISTS {name}")
