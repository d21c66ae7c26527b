"""What the retention tests share: the policy they prune with and a clock helper."""

from datetime import timedelta

from django.utils import timezone

DAYS = {
    "raw_invoices": 365,
    "metrics": 180,
    "task_successes": 30,
    "task_failures": 90,
    "login_failures": 30,
    "upload_files": 30,
    "runs": 365,
}


def ago(days: float):
    """The moment ``days`` ago (fractions allowed)."""
    return timezone.now() - timedelta(days=days)
