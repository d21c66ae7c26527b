"""``manage.py monitor``: FleetOps' health, alerts and last runs, for people and for cron.

Exit status 0 when healthy, 1 when any unresolved alert is critical.
"""

import argparse
import json

from django.core.management.base import BaseCommand
from django.utils import timezone

from monitoring.alerts import alerts_evaluate
from monitoring.health import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS, health_all
from monitoring.models import Alert, Severity
from monitoring.selectors import last_runs


def window_days(text: str) -> int:
    """A health window of 1 to ``MAX_WINDOW_DAYS`` days, as the API accepts."""
    try:
        days = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days") from None
    if not 1 <= days <= MAX_WINDOW_DAYS:
        raise argparse.ArgumentTypeError(f"{days} is not between 1 and {MAX_WINDOW_DAYS} days")
    return days


def alert_dict(alert: Alert) -> dict:
    return {
        "id": alert.pk,
        "kind": alert.kind,
        "subject": alert.subject,
        "severity": alert.severity,
        "status": alert.status,
        "message": alert.message,
        "opened_at": alert.opened_at.isoformat(),
    }


class Command(BaseCommand):
    help = (
        "Print FleetOps' health scores (with components), open alerts and last runs. "
        "Exits 1 when any unresolved alert is critical, else 0."
    )

    def add_arguments(self, parser):
        parser.add_argument("--health-only", action="store_true", help="Only the health scores.")
        parser.add_argument("--json", action="store_true", help="One JSON object on stdout.")
        parser.add_argument(
            "--window-days",
            type=window_days,
            default=DEFAULT_WINDOW_DAYS,
            help=f"Health window in days, 1 to {MAX_WINDOW_DAYS} (default {DEFAULT_WINDOW_DAYS}).",
        )
        parser.add_argument(
            "--no-evaluate",
            action="store_true",
            help="Report the stored alerts without evaluating the rules first.",
        )

    def handle(self, *args, **options):
        if not options["no_evaluate"]:
            alerts_evaluate()  # new alerts are mailed (the console backend: on stderr)
        health = health_all(window_days=options["window_days"])
        alerts = list(Alert.objects.active().by_severity())
        critical = any(a.severity == Severity.CRITICAL for a in alerts)

        if options["json"]:
            report = {"health": {k: h.as_dict() for k, h in health.items()}}
            if not options["health_only"]:
                report["alerts"] = [alert_dict(a) for a in alerts]
                report["last_runs"] = [r.as_dict() for r in last_runs()]
            self.stdout.write(json.dumps(report, default=str))
        else:
            self._print_report(health, alerts, options)
        if critical:
            raise SystemExit(1)

    def _print_report(self, health, alerts, options):
        out = self.stdout.write
        now = timezone.localtime()
        out(f"FleetOps monitoring report, {now:%Y-%m-%d %H:%M %Z}")
        out(f"Health window: the last {options['window_days']} days\n")
        for domain, h in health.items():
            out(self.style.MIGRATE_HEADING(f"{domain.capitalize()} health: {h.score:.1f} / 100"))
            for c in h.components:
                out(
                    f"  {c.label:<30} {c.weight:>3}%  score {c.score:5.1f}  "
                    f"(+{c.points:4.1f})  {c.value}"
                )
            out("")
        if options["health_only"]:
            return
        out(self.style.MIGRATE_HEADING(f"Unresolved alerts ({len(alerts)})"))
        for a in alerts:
            style = self.style.ERROR if a.severity == Severity.CRITICAL else self.style.WARNING
            ack = " (acknowledged)" if a.status == Alert.Status.ACKNOWLEDGED else ""
            opened = timezone.localtime(a.opened_at)
            out(
                style(f"  [{a.severity.upper()}] {a.message}")
                + f"  since {opened:%m-%d %H:%M}{ack}"
            )
        if not alerts:
            out("  none")
        out("")
        out(self.style.MIGRATE_HEADING("Last runs"))
        runs = last_runs()
        if not runs:
            out("  none yet: no ingest, feed import, reconciliation or sales load")
        for r in runs:
            duration = f"{r.duration_seconds:.1f} s" if r.duration_seconds is not None else "-"
            name = f"{r.source}{'/' + r.feed if r.feed else ''} #{r.id}"
            started = timezone.localtime(r.started_at)
            out(f"  {name:<28} {r.status:<10} {started:%m-%d %H:%M}  {duration:>9}  {r.summary}")
        critical = any(a.severity == Severity.CRITICAL for a in alerts)
        out("")
        out(self.style.ERROR("Status: CRITICAL") if critical else self.style.SUCCESS("Status: OK"))
