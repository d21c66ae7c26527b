"""Raw payloads as PostgreSQL ``json`` with lz4 compression (see invoices/fields.py).

State: the field becomes ``PayloadField``. Database: on PostgreSQL the column type and
its compression change in place; SQLite keeps its text column (altering the field there
would rebuild the table under the reporting views). lz4 needs PostgreSQL 14+ built with
it; otherwise the column keeps the default compression.
"""

from django.db import migrations

import invoices.fields

TABLE = "invoices_rawinvoice"


def _lz4_available(schema_editor) -> bool:
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        if int(cursor.fetchone()[0]) < 140000:
            return False
        cursor.execute("SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' "
                       "AND 'lz4' = ANY(enumvals)")  # fmt: skip
        return cursor.fetchone() is not None


def to_json(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN payload TYPE json USING payload::json")
    if _lz4_available(schema_editor):
        schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN payload SET COMPRESSION lz4")


def to_jsonb(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"ALTER TABLE {TABLE} ALTER COLUMN payload TYPE jsonb USING payload::jsonb"
    )
    if _lz4_available(schema_editor):
        schema_editor.execute(f"ALTER TABLE {TABLE} ALTER COLUMN payload SET COMPRESSION default")


class Migration(migrations.Migration):
    dependencies = [("invoices", "0008_lean_text_indexes")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="rawinvoice",
                    name="payload",
                    field=invoices.fields.PayloadField(
                        help_text="The complete invoice as Fullbay sent it."
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(to_json, to_jsonb)],
        ),
    ]
