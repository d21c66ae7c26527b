"""The ten reporting views (SQL in invoices/reports/sql.py, one variant per vendor where needed)."""

from django.db import migrations

from invoices.reports.sql_v1 import views_create, views_drop


class Migration(migrations.Migration):

    dependencies = [
        ("invoices", "0002_line_items"),
    ]

    operations = [migrations.RunPython(views_create, views_drop)]
