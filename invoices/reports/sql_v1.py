"""Version 1 of the reporting views (migration 0003), frozen: aggregated straight from lines.

Superseded by ``invoices.reports.sql`` (migration 0005); kept so that migrating a fresh
database replays history exactly.
"""

from __future__ import annotations

LINE = "invoices_lineitem"
RAW = "invoices_rawinvoice"
ISSUE = "invoices_invoiceissue"
RUN = "invoices_ingestrun"

_SUM_TYPE = "SUM(CASE WHEN l.line_type = '{t}' THEN l.amount ELSE 0 END)"

INVOICE_SUMMARY = f"""
SELECT r.id AS id, r.primary_key, r.invoice_number, r.invoice_date, r.customer_title,
       r.shop_title, r.unit_vin, r.status,
       COUNT(l.id) AS line_count,
       COALESCE({_SUM_TYPE.format(t="LABOR")}, 0) AS labor_amount,
       COALESCE({_SUM_TYPE.format(t="PART")}, 0) AS parts_amount,
       COALESCE({_SUM_TYPE.format(t="FREIGHT")}, 0) AS freight_amount,
       COALESCE({_SUM_TYPE.format(t="SUPPLY")}, 0) AS supply_amount,
       COALESCE({_SUM_TYPE.format(t="MISC")}, 0) AS misc_amount,
       COALESCE(SUM(l.amount), 0) AS lines_total,
       r.sub_total, r.total,
       (SELECT COUNT(*) FROM {ISSUE} i WHERE i.raw_invoice_id = r.id) AS issue_count
FROM {RAW} r LEFT JOIN {LINE} l ON l.raw_invoice_id = r.id
WHERE r.status = 'processed'
GROUP BY r.id, r.primary_key, r.invoice_number, r.invoice_date, r.customer_title,
         r.shop_title, r.unit_vin, r.status, r.sub_total, r.total
"""

CUSTOMER_ANALYSIS = f"""
SELECT l.customer_title AS customer_title, MAX(l.customer_id) AS customer_id,
       SUM(l.amount) AS revenue,
       COUNT(DISTINCT l.raw_invoice_id) AS invoices,
       COUNT(DISTINCT CASE WHEN l.unit_vin <> '' THEN l.unit_vin END) AS units,
       MAX(l.invoice_date) AS last_service
FROM {LINE} l
GROUP BY l.customer_title
"""

_PART_KEY = "CASE WHEN l.part_number <> '' THEN l.part_number ELSE l.description END"
PARTS_ANALYSIS = f"""
SELECT {_PART_KEY} AS part_key, MAX(l.part_number) AS part_number,
       MAX(l.description) AS description,
       COUNT(*) AS times_used, SUM(l.quantity) AS quantity,
       SUM(l.amount) AS revenue, SUM(COALESCE(l.cost_amount, 0)) AS cost,
       SUM(l.amount) - SUM(COALESCE(l.cost_amount, 0)) AS profit,
       CASE WHEN SUM(l.amount) <> 0
            THEN ROUND(100.0 * (SUM(l.amount) - SUM(COALESCE(l.cost_amount, 0))) / SUM(l.amount), 2)
       END AS margin_pct
FROM {LINE} l
WHERE l.line_type = 'PART'
GROUP BY {_PART_KEY}
"""

TECHNICIAN_PERFORMANCE = f"""
SELECT l.technician AS technician,
       COUNT(*) AS labor_lines,
       COUNT(DISTINCT l.raw_invoice_id) AS invoices,
       COALESCE(SUM(l.hours), 0) AS billed_hours,
       COALESCE(SUM(l.actual_hours), 0) AS clocked_hours,
       CASE WHEN SUM(l.actual_hours) > 0
            THEN ROUND(100.0 * SUM(l.hours) / SUM(l.actual_hours), 2) END AS efficiency_pct,
       SUM(l.amount) AS labor_revenue
FROM {LINE} l
WHERE l.line_type = 'LABOR'
GROUP BY l.technician
"""

FLEET_ANALYSIS = f"""
SELECT l.unit_vin AS unit_vin, MAX(l.unit_number) AS unit_number, MAX(l.unit_make) AS make,
       MAX(l.unit_model) AS model, MAX(l.unit_year) AS year,
       MAX(l.customer_title) AS customer_title,
       COUNT(DISTINCT l.raw_invoice_id) AS visits, SUM(l.amount) AS spend,
       MAX(l.invoice_date) AS last_service,
       (SELECT l2.complaint_note FROM {LINE} l2
         WHERE l2.unit_vin = l.unit_vin AND l2.complaint_note <> ''
         ORDER BY l2.invoice_date DESC, l2.id DESC LIMIT 1) AS last_complaint
FROM {LINE} l
WHERE l.unit_vin <> ''
GROUP BY l.unit_vin
"""

CURRENT_PROCESSING_STATUS = f"""
SELECT r.status AS status, COUNT(*) AS invoices,
       MIN(r.received_at) AS oldest_received_at, MAX(r.updated_at) AS last_updated_at,
       COALESCE(SUM(r.total), 0) AS total_value
FROM {RAW} r
GROUP BY r.status
"""

DATA_QUALITY_CHECK = f"""
SELECT i.kind AS kind, COUNT(*) AS issue_count,
       COUNT(DISTINCT i.raw_invoice_id) AS invoice_count,
       COALESCE(SUM(i.difference), 0) AS total_difference,
       MAX(i.created_at) AS last_seen_at
FROM {ISSUE} i
GROUP BY i.kind
"""

_RECENT = """
SELECT {day} AS day, COUNT(*) AS received,
       SUM(CASE WHEN r.status = 'processed' THEN 1 ELSE 0 END) AS processed,
       SUM(CASE WHEN r.status = 'failed' THEN 1 ELSE 0 END) AS failed,
       SUM(CASE WHEN r.status = 'pending' THEN 1 ELSE 0 END) AS pending,
       COALESCE(SUM(CASE WHEN r.status = 'processed' THEN r.total ELSE 0 END), 0) AS total_value
FROM {raw} r
WHERE r.received_at >= {since}
GROUP BY {day}
"""
RECENT_ACTIVITY = {
    "sqlite": _RECENT.format(
        day="date(r.received_at)", raw=RAW, since="datetime('now', '-90 days')"
    ),
    "postgresql": _RECENT.format(
        day="CAST(r.received_at AS date)", raw=RAW, since="now() - interval '90 days'"
    ),
}

_PERFORMANCE = """
SELECT g.id AS id, g.trigger, g.status, g.source, g.started_at, g.finished_at,
       {duration} AS duration_seconds,
       g.fetched, g.processed, g.failed, g.skipped, g.line_items_created, g.total_value,
       CASE WHEN g.finished_at IS NOT NULL AND {duration} > 0
            THEN ROUND(CAST(g.processed / {duration} AS numeric), 1) END AS invoices_per_second
FROM {run} g
"""
INGESTION_PERFORMANCE = {
    "sqlite": _PERFORMANCE.format(
        duration="((julianday(g.finished_at) - julianday(g.started_at)) * 86400.0)", run=RUN
    ),
    "postgresql": _PERFORMANCE.format(
        duration="EXTRACT(EPOCH FROM (g.finished_at - g.started_at))", run=RUN
    ),
}

ERROR_CATEGORY = """CASE
    WHEN r.error LIKE '%not a number%' OR r.error LIKE '%not a finite number%' THEN 'bad_number'
    WHEN r.error LIKE '%not a date%' THEN 'bad_date'
    WHEN r.error LIKE '%is missing%' THEN 'missing_field'
    WHEN r.error LIKE '%expected%' OR r.error LIKE '%must be an object%' THEN 'bad_structure'
    ELSE 'other' END"""
ERROR_ANALYSIS = f"""
SELECT {ERROR_CATEGORY} AS category, COUNT(*) AS error_count,
       MAX(r.updated_at) AS last_seen_at, MIN(r.error) AS example, MAX(r.attempts) AS max_attempts
FROM {RAW} r
WHERE r.status = 'failed'
GROUP BY {ERROR_CATEGORY}
UNION ALL
SELECT f.category, f.error_count, f.last_seen_at, f.example, f.max_attempts FROM (
  SELECT 'run_failed' AS category, COUNT(*) AS error_count, MAX(g.finished_at) AS last_seen_at,
         MIN(g.error) AS example, 0 AS max_attempts
  FROM {RUN} g
  WHERE g.status = 'failed'
) f
WHERE f.error_count > 0
"""

VIEWS: dict[str, str | dict[str, str]] = {
    "v_invoice_summary": INVOICE_SUMMARY,
    "v_customer_analysis": CUSTOMER_ANALYSIS,
    "v_parts_analysis": PARTS_ANALYSIS,
    "v_technician_performance": TECHNICIAN_PERFORMANCE,
    "v_fleet_analysis": FLEET_ANALYSIS,
    "v_current_processing_status": CURRENT_PROCESSING_STATUS,
    "v_data_quality_check": DATA_QUALITY_CHECK,
    "v_recent_activity": RECENT_ACTIVITY,
    "v_ingestion_performance": INGESTION_PERFORMANCE,
    "v_error_analysis": ERROR_ANALYSIS,
}


def view_sql(name: str, vendor: str) -> str:
    sql = VIEWS[name]
    if isinstance(sql, dict):
        sql = sql["postgresql" if vendor == "postgresql" else "sqlite"]
    return sql


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
