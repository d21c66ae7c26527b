"""Monitoring write paths: metrics of every run, then alert evaluation."""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from monitoring.models import Metric


def metrics_record(
    *,
    source: str,
    run_id: int | None,
    values: Mapping[str, Decimal | int | float],
    recorded_at: datetime | None = None,
) -> list[Metric]:
    """Store one row per named value for a run (bulk, one statement)."""
    when = recorded_at or timezone.now()
    rows = [
        Metric(source=source, run_id=run_id, name=name, value=Decimal(str(value)), recorded_at=when)
        for name, value in values.items()
        if value is not None
    ]
    return Metric.objects.bulk_create(rows)


def run_finished(
    *, source: str, run_id: int | None, metrics: Mapping[str, Decimal | int | float]
) -> None:
    """Every ingest/reconciliation run calls this once it has finished (success or failure).

    Records the run's metrics and, after commit, evaluates the alert rules.
    """
    metrics_record(source=source, run_id=run_id, values=metrics)
    transaction.on_commit(_evaluate_alerts)


def _evaluate_alerts() -> None:
    """Alert rules are evaluated here (see monitoring.alerts once it exists)."""
    try:
        from monitoring.alerts import alerts_evaluate
    except ImportError:
        return
    alerts_evaluate()
