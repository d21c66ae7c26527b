"""Invoices benchmark (make bench, never make test), on the throwaway PostgreSQL.

At ``N`` invoices (default 100,000, about 0.8-1 million line items; ``BENCH_SCALE=2000``
or ``python bench/bench_invoices.py 2000`` for a quick check):
- flattening alone, invoices/s (pure function, on a sample of at most 20,000 payloads);
- end-to-end ``invoice_ingest`` invoices/s on N fresh generated payloads (payload
  generation time excluded), against a per-row ORM ``save()`` baseline on the same payloads
  (at most ``BENCH_BASELINE_INVOICES`` of them, 1,000 by default);
- re-ingesting unchanged invoices (all skipped), invoices/s;
- each reporting view's query time at that size: the whole view (``SELECT *``, every row
  fetched) and the API's first page (``ORDER BY ... LIMIT 100``), median of 3;
- the dashboard, admin changelists and the API list as a logged-in user opens them.
Prints a table and merges the figures into bench/results.json under "invoices".
"""

import contextlib
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fleetops.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from invoices.api.reports import ENDPOINTS  # noqa: E402
from invoices.flatten import FlattenError, flatten_invoice  # noqa: E402
from invoices.generator import FullbayGenerator  # noqa: E402
from invoices.models import IngestRun, InvoiceIssue, LineItem, RawInvoice  # noqa: E402
from invoices.reports.models import REPORT_MODELS  # noqa: E402
from invoices.services import invoice_ingest, payload_hash  # noqa: E402
from invoices.services.ingest import payload_key, payload_summary  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"
BASELINE_INVOICES = int(os.environ.get("BENCH_BASELINE_INVOICES", "1000"))
FLATTEN_SAMPLE = 20_000
GENERATOR = FullbayGenerator(seed=42, customers=400, technicians=40, broken_rate=0.002,
                             mismatch_rate=0.01)  # fmt: skip


def scale() -> int:
    if len(sys.argv) > 1:
        return int(sys.argv[1])
    return int(os.environ.get("BENCH_SCALE", "100000"))


def payloads(count: int, timer: list[float], start: int = 0):
    """Generated invoices, lazily; the time spent generating is added to ``timer[0]``."""
    for n in range(start, start + count):
        t = time.perf_counter()
        payload = GENERATOR.invoice(n)
        timer[0] += time.perf_counter() - t
        yield payload


def clear() -> None:
    tables = ["invoices_lineitem", "invoices_invoiceissue", "invoices_rawinvoice",
              "invoices_ingestrun"]  # fmt: skip
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")


def analyze() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def bench_flatten(n: int) -> dict:
    sample = list(payloads(min(n, FLATTEN_SAMPLE), [0.0]))
    rows = 0
    started = time.perf_counter()
    for payload in sample:
        with contextlib.suppress(FlattenError):
            rows += len(flatten_invoice(payload).rows)
    seconds = time.perf_counter() - started
    return {"invoices": len(sample), "rows": rows, "seconds": seconds,
            "invoices_per_s": len(sample) / seconds}  # fmt: skip


def bench_baseline(n: int) -> dict:
    """The naive path: one transaction per invoice, every row saved with ``Model.save()``."""
    count = min(n, BASELINE_INVOICES)
    sample = list(payloads(count, [0.0]))
    run = IngestRun.objects.create(source="bench baseline")
    started = time.perf_counter()
    for payload in sample:
        with transaction.atomic():
            digest = payload_hash(payload)
            raw = RawInvoice(primary_key=payload_key(payload, digest), payload=payload,
                             payload_hash=digest, run=run, **payload_summary(payload))  # fmt: skip
            raw.save()
            try:
                result = flatten_invoice(payload)
            except FlattenError as exc:
                raw.status, raw.error = RawInvoice.Status.FAILED, str(exc)
                raw.save()
                continue
            for row in result.rows:
                fields = row.as_fields()
                created = fields["invoice_created"]
                if created is not None:
                    fields["invoice_created"] = timezone.make_aware(created)
                LineItem(raw_invoice=raw, **fields).save()
            for issue in result.issues:
                InvoiceIssue(raw_invoice=raw, kind=issue.kind, message=issue.message,
                             difference=issue.difference).save()  # fmt: skip
            raw.status = RawInvoice.Status.PROCESSED
            raw.processed_at = timezone.now()
            raw.save()
    seconds = time.perf_counter() - started
    return {"invoices": count, "seconds": seconds, "invoices_per_s": count / seconds}


def bench_ingest(n: int) -> dict:
    timer = [0.0]
    started = time.perf_counter()
    last = [started]

    def progress(tally):
        now = time.perf_counter()
        if now - last[0] > 10:
            last[0] = now
            done = f"{tally.fetched:,} invoices, {tally.line_items_created:,} lines"
            print(f"    … {done}", flush=True)

    run = invoice_ingest(payloads=payloads(n, timer), source="bench", batch_size=1000,
                         progress=progress)  # fmt: skip
    seconds = time.perf_counter() - started - timer[0]
    return {"invoices": run.fetched, "processed": run.processed, "failed": run.failed,
            "line_items": run.line_items_created, "seconds": seconds,
            "generation_seconds": timer[0], "invoices_per_s": run.fetched / seconds}  # fmt: skip


def bench_reingest(n: int) -> dict:
    count = min(n, 20_000)
    timer = [0.0]
    started = time.perf_counter()
    run = invoice_ingest(payloads=payloads(count, timer), source="bench re-ingest",
                         batch_size=1000)  # fmt: skip
    seconds = time.perf_counter() - started - timer[0]
    return {"invoices": count, "skipped": run.skipped, "seconds": seconds,
            "invoices_per_s": count / seconds}  # fmt: skip


def median_seconds(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_views() -> dict:
    out = {}
    for _path, view, ordering in ENDPOINTS:
        model = REPORT_MODELS[view]

        def full(view=view):
            # Every row and column fetched: nothing left for the planner to skip.
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT * FROM {view}")
                return len(cursor.fetchall())

        rows = full()
        out[view] = {
            "rows": rows,
            "full_scan_s": median_seconds(full),
            "first_page_s": median_seconds(
                lambda model=model, ordering=ordering: list(model.objects.order_by(*ordering)[:100])
            ),
        }
    return out


def bench_pages() -> dict:
    """Admin changelists and the dashboard as a manager would open them (median of 3)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    user, _ = get_user_model().objects.get_or_create(
        username="bench-invoices", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    line = LineItem.objects.filter(line_type="PART").order_by("-id").first()
    part = line.part_number if line else ""
    technician = LineItem.objects.filter(line_type="LABOR").order_by("-id").first()
    pages = {
        "dashboard": "/invoices/",
        "raw invoices": "/admin/invoices/rawinvoice/",
        "raw invoices, failed": "/admin/invoices/rawinvoice/?status__exact=failed",
        "line items": "/admin/invoices/lineitem/",
        "line items, search part": f"/admin/invoices/lineitem/?q={part}",
        "line items, technician": "/admin/invoices/lineitem/?technician="
        + (technician.technician if technician else ""),
        "api invoice list": "/api/invoices/?page_size=50",
    }
    out = {}
    for name, url in pages.items():
        status = client.get(url).status_code
        out[name] = {
            "url": url,
            "status": status,
            "seconds": median_seconds(lambda u=url: client.get(u)),
        }
    return out


def main() -> None:
    n = scale()
    print(f"Invoices benchmark at {n:,} invoices on {connection.vendor}")
    clear()
    flatten = bench_flatten(n)
    print(f"  flatten: {flatten['invoices_per_s']:,.0f} invoices/s")
    baseline = bench_baseline(n)
    print(f"  per-row save() baseline: {baseline['invoices_per_s']:,.0f} invoices/s")
    clear()
    ingest = bench_ingest(n)
    print(f"  invoice_ingest: {ingest['invoices_per_s']:,.0f} invoices/s")
    analyze()
    reingest = bench_reingest(n)
    views = bench_views()
    pages = bench_pages()
    ratio = ingest["invoices_per_s"] / baseline["invoices_per_s"]

    print()
    print(f"{'measure':<44}{'value':>16}")
    print("-" * 60)
    print(f"{'flatten alone (invoices/s)':<44}{flatten['invoices_per_s']:>16,.0f}")
    print(f"{'invoice_ingest end to end (invoices/s)':<44}{ingest['invoices_per_s']:>16,.0f}")
    print(f"{'  line items written':<44}{ingest['line_items']:>16,}")
    print(f"{'  line items/s':<44}{ingest['line_items'] / ingest['seconds']:>16,.0f}")
    print(f"{'per-row ORM save() baseline (invoices/s)':<44}{baseline['invoices_per_s']:>16,.0f}")
    print(f"{'  ingest / baseline':<44}{ratio:>15.1f}x")
    print(f"{'re-ingest unchanged (invoices/s)':<44}{reingest['invoices_per_s']:>16,.0f}")
    print()
    print(f"{'view':<30}{'rows':>10}{'all rows s':>14}{'first 100 s':>14}")
    print("-" * 68)
    for view, figures in views.items():
        print(f"{view:<30}{figures['rows']:>10,}{figures['full_scan_s']:>14.3f}"
              f"{figures['first_page_s']:>14.3f}")  # fmt: skip

    print()
    print(f"{'page':<30}{'status':>8}{'seconds':>12}")
    print("-" * 50)
    for name, figures in pages.items():
        print(f"{name:<30}{figures['status']:>8}{figures['seconds']:>12.3f}")

    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results["invoices"] = {
        "scale_invoices": n,
        "database": connection.vendor,
        "flatten": flatten,
        "ingest": ingest,
        "baseline_save": baseline,
        "ingest_vs_baseline": ratio,
        "reingest_unchanged": reingest,
        "views": views,
        "pages": pages,
        "measured_at": timezone.now().isoformat(timespec="seconds"),
    }
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(f"\nMerged into {RESULTS.relative_to(ROOT)} under 'invoices'.")


if __name__ == "__main__":
    main()
