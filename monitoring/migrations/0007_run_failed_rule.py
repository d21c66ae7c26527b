"""The "last run failed" rule: its kind, and its row on databases seeded before it (0003
seeds the rules of its day; edits are kept)."""

from django.db import migrations, models

from monitoring.rule_defaults import DEFAULT_RULES


def seed(apps, schema_editor):
    AlertRule = apps.get_model("monitoring", "AlertRule")
    for kind, severity, threshold, window, not_before, description in DEFAULT_RULES:
        if kind == "run_failed":
            AlertRule.objects.get_or_create(
                kind=kind,
                defaults={
                    "severity": severity, "threshold": threshold, "window_hours": window,
                    "not_before_hour": not_before, "description": description,
                },
            )  # fmt: skip


class Migration(migrations.Migration):
    dependencies = [
        ("monitoring", "0006_rule_window_max"),
    ]

    operations = [
        migrations.AlterField(
            model_name="alert",
            name="kind",
            field=models.CharField(
                choices=[
                    ("invoice_error_rate", "Invoice error rate too high"),
                    ("invoice_data_quality", "Invoice data quality too low"),
                    ("invoice_ingest_stale", "No invoice ingestion"),
                    ("invoice_records_pending", "Invoices pending too long"),
                    ("feed_missing", "Source feed missing today"),
                    ("reconcile_stale", "Reconciliation not run"),
                    ("critical_exceptions_up", "Critical inventory exceptions up"),
                    ("invoice_volume_drop", "Invoices ingested today dropped"),
                    ("run_failed", "Last run failed"),
                ],
                db_index=True,
                max_length=40,
            ),
        ),
        migrations.AlterField(
            model_name="alertrule",
            name="kind",
            field=models.CharField(
                choices=[
                    ("invoice_error_rate", "Invoice error rate too high"),
                    ("invoice_data_quality", "Invoice data quality too low"),
                    ("invoice_ingest_stale", "No invoice ingestion"),
                    ("invoice_records_pending", "Invoices pending too long"),
                    ("feed_missing", "Source feed missing today"),
                    ("reconcile_stale", "Reconciliation not run"),
                    ("critical_exceptions_up", "Critical inventory exceptions up"),
                    ("invoice_volume_drop", "Invoices ingested today dropped"),
                    ("run_failed", "Last run failed"),
                ],
                max_length=40,
                unique=True,
            ),
        ),
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
