"""v_recent_activity counts invoices by the day they were received in TIME_ZONE, not UTC."""

from django.db import migrations

from invoices.reports import sql as views_v2


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0020_issue_kind_tax_totals_mismatch"),
    ]

    operations = [migrations.RunPython(views_v2.views_create, migrations.RunPython.noop)]
