"""The parts view's margin only where a part's lines bring revenue (none for a credit)."""

from django.db import migrations

from invoices.reports import sql as views_v2


class Migration(migrations.Migration):
    dependencies = [
        ("invoices", "0011_line_indexes_via_raw"),
    ]

    operations = [migrations.RunPython(views_v2.views_create, migrations.RunPython.noop)]
