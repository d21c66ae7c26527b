import json

from django.core.management.base import BaseCommand, CommandError

from inventory.selectors import summary_for_run
from inventory.services import ReconcileBusy, vehicles_reconcile


class Command(BaseCommand):
    help = "Reconcile the four sources now (set-based); --json prints the summary object."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true", help="Print one JSON object.")
        parser.add_argument(
            "--full", action="store_true", help="Recompute every vehicle, not only changed ones."
        )

    def handle(self, *args, **options):
        try:
            run = vehicles_reconcile(full=options["full"])
        except ReconcileBusy as exc:
            raise CommandError(str(exc)) from None
        summary = summary_for_run(run)
        if options["json"]:
            self.stdout.write(json.dumps(summary))
            return
        self.stdout.write(
            f"Run #{run.pk}: {run.vehicles:,} vehicles, {run.aligned:,} aligned "
            f"({summary['aligned_pct']}%) in {run.duration_seconds:.1f}s"
        )
        for kind, count in summary["exceptions"].items():
            self.stdout.write(f"  {kind:<16} {count:>8,}")
        for name, value in summary["impact"].items():
            self.stdout.write(f"  {name:<20} {value:>14,.2f}")
