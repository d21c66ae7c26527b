"""django-q2 entry points: thin wrappers around the monitoring services."""

from monitoring.alerts import alerts_evaluate


def alerts_evaluate_task() -> dict[str, int]:
    """Run by the 'monitoring: evaluate alerts' schedule every 15 minutes."""
    return alerts_evaluate()
