"""SourceRecord keeps one index, (key, source), with ``key`` in byte order on PostgreSQL.

The (source, store) and (vin) indexes go: a row with a VIN has it as its key, so lookups
by VIN use the unique index (``SourceRecord.objects.for_vin``), and source-wide statements
read the table whole. On PostgreSQL ``key`` takes COLLATE "C" (keys are ASCII: byte order
is their order), which lets index builds and sorts compare bytes instead of calling the
locale per comparison. SQLite has no such collation and compares bytes already.
"""

from django.db import migrations, models

TABLE = "inventory_sourcerecord"


def key_collate(collation):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f'ALTER TABLE {TABLE} ALTER COLUMN key TYPE varchar(60) COLLATE "{collation}"'
            )

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0015_exception_drop_run_event_index"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="sourcerecord", name="inv_source_record_key"),
        migrations.RemoveIndex(model_name="sourcerecord", name="inv_source_store"),
        migrations.RemoveIndex(model_name="sourcerecord", name="inv_source_vin"),
        migrations.RunPython(key_collate("C"), key_collate("default")),
        migrations.AddConstraint(
            model_name="sourcerecord",
            constraint=models.UniqueConstraint(
                fields=("key", "source"), name="inv_source_record_key"
            ),
        ),
    ]
