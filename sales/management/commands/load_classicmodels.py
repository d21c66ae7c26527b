from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sales.services import classicmodels_load

DEMO_DIR = Path(__file__).resolve().parents[2] / "demo_data"


class Command(BaseCommand):
    help = (
        "Load the classicmodels CSV files (offices, employees, customers, productlines, "
        "products, orders, orderdetails, payments) from DIR in dependency order. Each file "
        "replaces its table: rows are upserted by natural key and rows not in the file are "
        "deleted. Idempotent; a file with bad rows writes nothing."
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
        removed = ", ".join(f"{table} {n}" for table, n in run.removed.items() if n)
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {run.rows_total} CSV rows; removed {sum(run.removed.values())} rows "
                f"no longer in the files{f' ({removed})' if removed else ''}; "
                f"{run.excluded_orders} order(s) without an order date are excluded from the "
                "period KPIs."
            )
        )
