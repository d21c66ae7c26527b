from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sales.services import classicmodels_load

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo_data"


class Command(BaseCommand):
    help = (
        "Load the classicmodels CSV files (offices, employees, customers, productlines, "
        "products, orders, orderdetails, payments) from DIR in dependency order. Idempotent: "
        "rows are upserted by natural key; a file with bad rows writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", default=str(DEMO_DIR))

    def handle(self, *args, directory, **options):
        self.stdout.write(f"Loading classicmodels from {directory}")
        run = classicmodels_load(directory=directory, progress=self.stdout.write)
        if run.status != "succeeded":
            for problem in run.problems:
                self.stderr.write(
                    f"{problem['table']}.csv line {problem['line']}: {problem['error']}"
                )
            raise CommandError(run.error)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {sum(run.rows.values())} rows; {run.excluded_orders} order(s) with a "
                "missing or invalid order date are excluded from the period KPIs."
            )
        )
