"""Demo set-up for monitoring: evaluate the alert rules once over the demo runs.

The inventory and invoices demos record their runs (and metrics, via
``run_finished``); this step makes the dashboard, the banner and ``manage.py
monitor`` show the real state of that data at once, instead of waiting for the
15-minute schedule. Idempotent: a second call opens no duplicate alert.
"""

from monitoring.alerts import alerts_evaluate
from monitoring.health import health_all
from monitoring.models import Alert


def demo_load(*, stdout) -> None:
    counts = alerts_evaluate()
    for domain, health in health_all().items():
        stdout.write(f"  {domain} health: {health.score:.1f} / 100")
    stdout.write(
        f"  alerts: {counts['raised']} new, {counts['holding']} holding, "
        f"{counts['resolved']} resolved; {Alert.objects.active().count()} unresolved"
    )
