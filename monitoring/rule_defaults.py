"""Default settings of each alert rule: seeded by migration 0003, restored if a row goes missing."""

from monitoring.models import AlertRule

DEFAULT_RULES = [
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
    (
        "run_failed",
        "high",
        None,
        0,
        0,
        "One alert per kind of run (invoice ingest, reconciliation, sales load, each source's "
        "feed import) whose latest run failed: an error, a lost connection, a worker that "
        "died. It holds until a later run of that kind succeeds. A refused run (a bad file, "
        "another reconciliation running) is not a failure.",
    ),
]


def alert_rules_ensure() -> list[AlertRule]:
    """Every rule kind has its row (missing ones are created with their defaults); all rules."""
    rules = list(AlertRule.objects.all())
    present = {r.kind for r in rules}
    missing = [
        AlertRule(
            kind=kind,
            severity=severity,
            threshold=threshold,
            window_hours=window,
            not_before_hour=not_before,
            description=description,
        )
        for kind, severity, threshold, window, not_before, description in DEFAULT_RULES
        if kind not in present
    ]
    if missing:
        AlertRule.objects.bulk_create(missing, ignore_conflicts=True)
        rules = list(AlertRule.objects.all())
    return rules
