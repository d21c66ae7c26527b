"""Covering partial indexes for the heaviest reporting views (PostgreSQL).

At 100,000 invoices (~840,000 line items) ``v_technician_performance``, ``v_parts_analysis``
and ``v_customer_analysis`` scanned and sorted whole tables. With these indexes each is an
index-only scan already in group order (the views' SQL and results are unchanged). SQLite
databases are demo-sized and keep their plans.
"""

from django.db import migrations

INDEXES = {
    "invoices_line_labor_tech": (
        "invoices_lineitem (technician, raw_invoice_id) "
        "INCLUDE (hours, actual_hours, amount) WHERE line_type = 'LABOR'"
    ),
    "invoices_line_part_key": (
        "invoices_lineitem ((CASE WHEN part_number <> '' THEN part_number ELSE description END)) "
        "INCLUDE (part_number, description, quantity, amount, cost_amount) "
        "WHERE line_type = 'PART'"
    ),
    "invoices_raw_customer": (
        "invoices_rawinvoice (customer_title) "
        "INCLUDE (customer_id, lines_total, unit_vin, invoice_date) WHERE status = 'processed'"
    ),
}


def indexes_create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, definition in INDEXES.items():
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {definition}")


def indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("invoices", "0006_run_heartbeat")]

    operations = [migrations.RunPython(indexes_create, indexes_drop)]
