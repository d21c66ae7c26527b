"""Seed one AlertRule per rule kind with its default threshold (idempotent: edits are kept)."""

from django.db import migrations

# Plain data (no models): the rule kinds and their default settings.
from monitoring.rule_defaults import DEFAULT_RULES

def seed(apps, schema_editor):
    AlertRule = apps.get_model("monitoring", "AlertRule")
    for kind, severity, threshold, window, not_before, description in DEFAULT_RULES:
        AlertRule.objects.get_or_create(
            kind=kind,
            defaults={
                "severity": severity,
                "threshold": threshold,
                "window_hours": window,
                "not_before_hour": not_before,
                "description": description,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("monitoring", "0002_alerts")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
