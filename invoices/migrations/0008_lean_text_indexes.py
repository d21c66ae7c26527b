"""Plain btree indexes instead of db_index=True on text columns.

On PostgreSQL db_index=True on a CharField adds a varchar_pattern_ops twin that no query
here uses (searches are exact or contain-anywhere) and that every insert and claim update
pays for; RawInvoice.unit_vin alone is served by the (unit_vin, invoice_date) index.
The field changes are state-only: the old indexes are dropped by name, because altering
the fields would make SQLite rebuild the tables under the reporting views.
"""

from django.db import migrations, models

# (table, column) whose db_index=True index (and, on PostgreSQL, its _like twin) goes.
OLD_INDEXES = [
    ("invoices_lineitem", "customer_title"),
    ("invoices_lineitem", "invoice_number"),
    ("invoices_lineitem", "part_number"),
    ("invoices_lineitem", "technician"),
    ("invoices_rawinvoice", "invoice_number"),
    ("invoices_rawinvoice", "status"),
    ("invoices_rawinvoice", "unit_vin"),
]


def drop_old_indexes(apps, schema_editor):
    for table, column in OLD_INDEXES:
        name = schema_editor._create_index_name(table, [column])
        for index in (name, f"{name}_like"):
            schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(index)}")


def create_old_indexes(apps, schema_editor):
    for table, column in OLD_INDEXES:
        name = schema_editor._create_index_name(table, [column])
        schema_editor.execute(
            f"CREATE INDEX {schema_editor.quote_name(name)} ON "
            f"{schema_editor.quote_name(table)} ({schema_editor.quote_name(column)})"
        )


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0007_report_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="lineitem",
                    name="customer_title",
                    field=models.CharField(blank=True, max_length=200),
                ),
                migrations.AlterField(
                    model_name="lineitem",
                    name="invoice_number",
                    field=models.CharField(blank=True, max_length=40),
                ),
                migrations.AlterField(
                    model_name="lineitem",
                    name="part_number",
                    field=models.CharField(
                        blank=True, help_text="Shop part number, else vendor's.", max_length=80
                    ),
                ),
                migrations.AlterField(
                    model_name="lineitem",
                    name="technician",
                    field=models.CharField(blank=True, max_length=120),
                ),
                migrations.AlterField(
                    model_name="rawinvoice",
                    name="invoice_number",
                    field=models.CharField(
                        blank=True, help_text="The invoice number people see.", max_length=40
                    ),
                ),
                migrations.AlterField(
                    model_name="rawinvoice",
                    name="status",
                    field=models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("processed", "Processed"),
                            ("failed", "Failed"),
                            ("skipped", "Skipped (unchanged)"),
                        ],
                        default="pending",
                        max_length=10,
                    ),
                ),
                migrations.AlterField(
                    model_name="rawinvoice",
                    name="unit_vin",
                    field=models.CharField(blank=True, max_length=17, verbose_name="unit VIN"),
                ),
            ],
            database_operations=[migrations.RunPython(drop_old_indexes, create_old_indexes)],
        ),
        migrations.AddIndex(
            model_name="lineitem",
            index=models.Index(fields=["invoice_number"], name="invoices_line_number"),
        ),
        migrations.AddIndex(
            model_name="lineitem",
            index=models.Index(fields=["customer_title"], name="invoices_line_customer"),
        ),
        migrations.AddIndex(
            model_name="lineitem",
            index=models.Index(fields=["part_number"], name="invoices_line_part_number"),
        ),
        migrations.AddIndex(
            model_name="lineitem",
            index=models.Index(fields=["technician"], name="invoices_line_technician"),
        ),
        migrations.AddIndex(
            model_name="rawinvoice",
            index=models.Index(fields=["status"], name="invoices_raw_status"),
        ),
        migrations.AddIndex(
            model_name="rawinvoice",
            index=models.Index(fields=["invoice_number"], name="invoices_raw_number"),
        ),
    ]
