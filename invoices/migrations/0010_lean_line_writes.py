"""Less per-row work when line items and raw invoices are written (PostgreSQL).

- No database foreign key from line items to raw invoices: the ingest writes an invoice's
  lines in the transaction that claimed its raw row, and Django still cascades a raw
  invoice's delete; the key cost a trigger and a lookup per line item. State-only on
  SQLite (altering the field there would rebuild the table under the reporting views).
- No plain index on line_items.technician: only labor rows have a technician, and the
  admin filter (and its choices) now ask for labor rows, which the partial index
  invoices_line_labor_tech (migration 0007) serves.
- No varchar_pattern_ops twin of raw invoices' unique primary_key: lookups are exact.
"""

import django.db.models.deletion
from django.db import migrations, models

LINE = "invoices_lineitem"
RAW = "invoices_rawinvoice"


def _foreign_keys(schema_editor) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.conname FROM pg_constraint c JOIN pg_attribute a "
            "ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
            "WHERE c.conrelid = %s::regclass AND c.contype = 'f' AND a.attname = 'raw_invoice_id'",
            [LINE],
        )
        return [row[0] for row in cursor.fetchall()]


def _like_index(schema_editor) -> str:
    return schema_editor._create_index_name(RAW, ["primary_key"], suffix="_like")


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _foreign_keys(schema_editor):
        schema_editor.execute(f"ALTER TABLE {LINE} DROP CONSTRAINT {schema_editor.quote_name(name)}")
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(_like_index(schema_editor))}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    if not _foreign_keys(schema_editor):
        schema_editor.execute(
            f"ALTER TABLE {LINE} ADD CONSTRAINT invoices_lineitem_raw_invoice_id_fk "
            f"FOREIGN KEY (raw_invoice_id) REFERENCES {RAW} (id) DEFERRABLE INITIALLY DEFERRED"
        )
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(_like_index(schema_editor))} "
        f"ON {RAW} (primary_key varchar_pattern_ops)"
    )


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0009_payload_json_lz4"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="lineitem",
            name="invoices_line_technician",
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="lineitem",
                    name="raw_invoice",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="lines",
                        to="invoices.rawinvoice",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
