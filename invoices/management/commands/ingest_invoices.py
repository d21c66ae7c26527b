"""``manage.py ingest_invoices PATH...`` or ``--from-api --start YYYY-MM-DD --end YYYY-MM-DD``."""

import datetime as dt
import json

from django.core.management.base import BaseCommand, CommandError

from invoices.fullbay import FullbayError
from invoices.loaders import InvoiceFileError, json_files
from invoices.models import IngestRun
from invoices.services import invoice_ingest, invoices_fetch


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Ingest Fullbay invoices from files (a getInvoices response, a list of invoices, one "
        "invoice, or directories of them) or from the Fullbay API for a date window."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", help="JSON files or directories.")
        parser.add_argument("--from-api", action="store_true", help="Pull from the Fullbay API.")
        parser.add_argument("--start", help="First invoice date (YYYY-MM-DD), with --from-api.")
        parser.add_argument("--end", help="Last invoice date (YYYY-MM-DD), with --from-api.")
        parser.add_argument("--json", action="store_true", help="Print the run summary as JSON.")

    def handle(self, *args, **options):
        as_json = options["json"]
        try:
            run = self._ingest(options, as_json=as_json)
        except (CommandError, InvoiceFileError, FullbayError, ValueError) as exc:
            self._failed(str(exc), as_json=as_json)
            if isinstance(exc, CommandError):
                raise
            raise CommandError(str(exc)) from exc
        except Exception as exc:
            self._failed(f"{type(exc).__name__}: {exc}", as_json=as_json)
            raise
        summary = {
            "run": run.pk,
            "status": run.status,
            "fetched": run.fetched,
            "processed": run.processed,
            "skipped": run.skipped,
            "failed": run.failed,
            "line_items_created": run.line_items_created,
            "total_value": str(run.total_value),
            "duration_seconds": round(run.duration_seconds or 0, 3),
        }
        if as_json:
            self.stdout.write(json.dumps(summary))
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Run {run.pk} {run.status}: {run.summary()}, total {run.total_value} "
                    f"in {summary['duration_seconds']}s"
                )
            )

    def _failed(self, error: str, *, as_json: bool) -> None:
        """--json: stdout holds one object for a failure too (the error also goes to stderr,
        and a run the service had started is recorded failed with it)."""
        if as_json:
            self.stdout.write(json.dumps({"status": "failed", "error": error}))

    def _ingest(self, options, *, as_json: bool) -> IngestRun:
        def progress(tally):
            if not as_json:
                self.stdout.write(
                    f"  {tally.fetched} read: {tally.processed} processed, {tally.skipped} "
                    f"unchanged, {tally.failed} failed, {tally.line_items_created} lines"
                )

        if options["from_api"]:
            if options["paths"]:
                raise CommandError("Give either PATHs or --from-api, not both.")
            if not options["start"] or not options["end"]:
                raise CommandError("--from-api needs --start and --end.")
            start, end = _date(options["start"]), _date(options["end"])
            if end < start:  # a typo, not a run
                raise CommandError(f"--end {end} is before --start {start}.")
            return invoices_fetch(start=start, end=end, progress=progress)
        if not options["paths"]:
            raise CommandError("Give at least one PATH (or --from-api).")
        files = json_files(options["paths"])
        if not as_json:
            self.stdout.write(f"Ingesting {len(files)} file(s)…")
        return invoice_ingest(
            paths=files,
            trigger=IngestRun.Trigger.FILE,
            source=", ".join(str(p) for p in options["paths"]),
            progress=progress,
        )
