"""Seed one AlertRule per rule kind with its default threshold (idempotent: edits are kept)."""

from django.db import migrations

RULES = [
    # kind, severity, threshold, window_hours, not_before_hour, description
    (
        "invoice_error_rate",
        "critical",
        5,
        24,
        0,
        "Invoices that failed to process as a share of those attempted (processed + failed) "
        "by ingest runs started in the window, in %. Fires above the threshold.",
    ),
    (
        "invoice_data_quality",
        "high",
        90,
        24,
        0,
        "Share of invoices processed in the window that carry no data-quality issue, in %. "
        "Fires below the threshold (only when invoices were processed).",
    ),
    (
        "invoice_ingest_stale",
        "critical",
        48,
        0,
        0,
        "Hours since the last successful invoice ingest run finished. Fires above the "
        "threshold, or when no ingest has ever succeeded.",
    ),
    (
        "invoice_records_pending",
        "high",
        24,
        0,
        0,
        "Raw invoices still pending that were received more than the threshold (hours) ago.",
    ),
    (
        "feed_missing",
        "high",
        None,
        0,
        10,
        "One alert per source (CDK, vAuto, LoJack, OEM) with no successful feed import started "
        "today (America/Chicago), checked from the 'not before' hour.",
    ),
    (
        "reconcile_stale",
        "critical",
        26,
        0,
        0,
        "Hours since the last successful reconciliation finished. Fires above the threshold, "
        "or when none has ever succeeded.",
    ),
    (
        "critical_exceptions_up",
        "high",
        25,
        168,
        0,
        "Critical inventory exceptions (OEM not in CDK) of the latest reconciliation against "
        "the average of the daily values over the window before that day, in % increase. "
        "Fires above the threshold.",
    ),
    (
        "invoice_volume_drop",
        "medium",
        50,
        168,
        12,
        "Invoices processed today as a % of the daily average over the window before today "
        "(days without ingestion count as 0). Fires below the threshold, from the 'not "
        "before' hour.",
    ),
]


def seed(apps, schema_editor):
    AlertRule = apps.get_model("monitoring", "AlertRule")
    for kind, severity, threshold, window, not_before, description in RULES:
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
