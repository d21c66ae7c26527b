"""Fewer index writes per vehicle or exception a reconciliation changes.

- ``Vehicle.vin`` and ``InventoryException.vin`` take COLLATE "C" on PostgreSQL (VINs are
  ASCII: byte order is their order), so a plain B-tree serves LIKE 'prefix%' as well as
  equality and the VIN order. The LIKE twin indexes go: the vehicle's (from
  ``unique=True``, now a ``UniqueConstraint``) and the exception's pattern index (the
  (vin, kind) constraint serves it). SQLite has no such collation and compares bytes already.
- Exceptions: the (state, priority, sla_due_at) index becomes partial indexes on the open
  work ((sla_due_at, id) and (priority, sla_due_at, id)) and on the states staff set
  (acknowledged, snoozed, resolved): a row "cleared by feed" leaves them, so a clear writes
  four index entries instead of six.
"""

from django.db import migrations, models

OPEN = ["open", "acknowledged", "snoozed"]


def vin_collate(collation):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for table in ("inventory_vehicle", "inventory_inventoryexception"):
                schema_editor.execute(
                    f'ALTER TABLE {table} ALTER COLUMN vin TYPE varchar(17) COLLATE "{collation}"'
                )

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("inventory", "0016_sourcerecord_key_first_index"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="inventoryexception", name="inv_exc_state_prio"),
        migrations.RemoveIndex(model_name="inventoryexception", name="inv_exc_vin_pattern"),
        migrations.AlterField(
            model_name="vehicle",
            name="vin",
            field=models.CharField(help_text="Normalised: 17 characters.", max_length=17),
        ),
        migrations.RunPython(vin_collate("C"), vin_collate("default")),
        migrations.AddConstraint(
            model_name="vehicle",
            constraint=models.UniqueConstraint(fields=("vin",), name="inv_vehicle_vin"),
        ),
        migrations.AddIndex(
            model_name="inventoryexception",
            index=models.Index(
                condition=models.Q(state__in=OPEN),
                fields=["sla_due_at", "id"],
                name="inv_exc_open_sla",
            ),
        ),
        migrations.AddIndex(
            model_name="inventoryexception",
            index=models.Index(
                condition=models.Q(state__in=OPEN),
                fields=["priority", "sla_due_at", "id"],
                name="inv_exc_open_prio",
            ),
        ),
        migrations.AddIndex(
            model_name="inventoryexception",
            index=models.Index(
                condition=models.Q(state__in=["acknowledged", "snoozed", "resolved"]),
                fields=["state", "sla_due_at", "id"],
                name="inv_exc_triaged",
            ),
        ),
    ]
