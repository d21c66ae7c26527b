from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from fleetops.models import RunStatus
from fleetops.text import counted
from inventory.models import Source
from inventory.services import feed_import
from inventory.services.feeds import StoreNameInvalid


class Command(BaseCommand):
    help = "Import one source's CSV snapshot (replaces that source's snapshot, or one store's)."

    def add_arguments(self, parser):
        parser.add_argument("source", choices=Source.values)
        parser.add_argument("path")
        parser.add_argument("--store", default="", help="Replace only this store's part.")

    def handle(self, *args, source, path, store, **options):
        try:  # a path that cannot be read is no import: no run row
            data = Path(path).read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.") from None
        try:
            run = feed_import(
                source=source, data=data, filename=Path(path).name, store=store,
                progress=lambda m: self.stdout.write(m),
            )  # fmt: skip
        except StoreNameInvalid as exc:
            raise CommandError(str(exc)) from None
        if run.status != RunStatus.SUCCEEDED:
            raise CommandError(f"Import #{run.pk} {run.status}: {run.error}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Import #{run.pk}: {counted(run.rows_read, 'row')} read, "
                f"{counted(run.vehicles, 'vehicle')}, {run.invalid_rows:,} invalid, "
                f"{counted(run.duplicates, 'duplicate')}, {counted(run.warnings, 'warning')} "
                f"in {run.duration_seconds:.1f}s."
            )
        )
