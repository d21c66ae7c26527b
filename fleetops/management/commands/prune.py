"""``manage.py prune``: delete rows past their retention age (see fleetops.retention)."""

import json

from django.core.management.base import BaseCommand

from fleetops.retention import KINDS, retention_days, retention_prune


class Command(BaseCommand):
    help = (
        "Prune failed raw invoice payloads, monitoring metrics, django-q2 task history, "
        "login failures, finished uploads' files and old feed/reconciliation/ingest run rows "
        "older than their retention age; never rows still referenced, never the audit trail."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be pruned; delete nothing."
        )
        for kind in KINDS:
            parser.add_argument(
                f"--{kind.replace('_', '-')}-days",
                type=int,
                dest=kind,
                metavar="DAYS",
                help=f"Override the age for {kind.replace('_', ' ')} (default from settings).",
            )
        parser.add_argument("--json", action="store_true", help="Print the counts as JSON.")

    def handle(self, *args, **options):
        days = {kind: options[kind] for kind in KINDS if options[kind] is not None}
        counts = retention_prune(days=days, dry_run=options["dry_run"])
        if options["json"]:
            self.stdout.write(json.dumps({"dry_run": options["dry_run"], "counts": counts}))
            return
        ages = {**retention_days(), **days}
        verb = "would prune" if options["dry_run"] else "pruned"
        for kind in KINDS:
            self.stdout.write(f"{kind:16} older than {ages[kind]:>4} days: {verb} {counts[kind]}")
