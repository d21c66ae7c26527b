"""Invoices benchmark (make bench, never make test), on the throwaway PostgreSQL.

At ``N`` invoices (default 100,000, about 840,000 line items; ``BENCH_SCALE=2000`` or
``python bench/bench_invoices.py 2000`` for a quick check), generated once into page files
of 1,000 invoices (a getInvoices envelope each) in a temporary directory (not timed):
- flattening alone, invoices/s (the pure function, one core, on at most 20,000 payloads);
- the Python CPU per invoice of each stage before the database on the same sample (read
  and parse, identify = canonical JSON + hash, flatten, format the COPY text);
- end to end: ``manage.py ingest_invoices DIR`` as a user runs it (read and parse the
  files, hash, store raw, claim, flatten, write lines, issues and totals, the run row),
  invoices/s, with the default worker processes (``INVOICES_INGEST_WORKERS``) and again
  with one process on the first ``BENCH_SINGLE_INVOICES`` (20,000 by default);
- the baseline: per-row ORM ``save()`` (one transaction per invoice, each raw invoice,
  line and issue saved by itself) on the first ``BENCH_BASELINE_INVOICES`` (1,000) of the
  same files, read the same way;
- re-ingesting unchanged files (all skipped), invoices/s;
- each reporting view's query time at that size, median of 3: computed by the server
  (``EXPLAIN ANALYZE``, no rows sent), the whole view fetched into Python (``SELECT *``)
  and the API's first page (``ORDER BY ... LIMIT 100``), after ``VACUUM ANALYZE``;
- the dashboard, admin changelists and the API list as a logged-in user opens them.
Prints a table and merges the figures into bench/results.json under "invoices".
"""

import contextlib
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fleetops.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from invoices.api.reports import ENDPOINTS  # noqa: E402
from invoices.flatten import FlattenError, flatten_invoice  # noqa: E402
from invoices.generator import FullbayGenerator, response_page  # noqa: E402
from invoices.loaders import json_files, payloads_from_paths  # noqa: E402
from invoices.models import IngestRun, InvoiceIssue, LineItem, RawInvoice  # noqa: E402
from invoices.reports.models import REPORT_MODELS  # noqa: E402
from invoices.services import payload_hash  # noqa: E402
from invoices.services.ingest import payload_key, payload_summary  # noqa: E402
from invoices.services.pool import ingest_workers  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"
BASELINE_INVOICES = int(os.environ.get("BENCH_BASELINE_INVOICES", "1000"))
SINGLE_INVOICES = int(os.environ.get("BENCH_SINGLE_INVOICES", "20000"))
PAGE = 1000
FLATTEN_SAMPLE = 20_000
GENERATOR = FullbayGenerator(seed=42, customers=400, technicians=40, broken_rate=0.002,
                             mismatch_rate=0.01)  # fmt: skip


def scale() -> int:
    if len(sys.argv) > 1:
        return int(sys.argv[1])
    return int(os.environ.get("BENCH_SCALE", "100000"))


def files_write(directory: Path, count: int) -> float:
    """``count`` generated invoices as page files of ``PAGE``; returns the seconds it took."""
    import orjson

    started = time.perf_counter()
    directory.mkdir(parents=True, exist_ok=True)
    for start in range(0, count, PAGE):
        page = [GENERATOR.invoice(n) for n in range(start, min(count, start + PAGE))]
        path = directory / f"page-{start // PAGE:05d}.json"
        path.write_bytes(orjson.dumps(response_page(page, page_size=PAGE), default=str))
    return time.perf_counter() - started


def files_subset(directory: Path, target: Path, count: int) -> Path:
    """The first ``count`` invoices' page files (links), for the smaller measurements."""
    target.mkdir(parents=True, exist_ok=True)
    for path in json_files([directory])[: max(1, count // PAGE)]:
        (target / path.name).symlink_to(path)
    return target


def payloads(directory: Path, count: int) -> list:
    out = []
    for payload in payloads_from_paths(json_files([directory])):
        if len(out) >= count:
            break
        out.append(payload)
    return out


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
    """VACUUM ANALYZE, as autovacuum does after a bulk load (PostgreSQL 13+ vacuums on inserts
    too): statistics for the planner and the visibility map index-only scans rely on."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def bench_flatten(directory: Path, n: int) -> dict:
    sample = payloads(directory, min(n, FLATTEN_SAMPLE))
    rows = 0
    started = time.perf_counter()
    for payload in sample:
        with contextlib.suppress(FlattenError):
            rows += len(flatten_invoice(payload).rows)
    seconds = time.perf_counter() - started
    return {"invoices": len(sample), "rows": rows, "seconds": seconds,
            "invoices_per_s": len(sample) / seconds}  # fmt: skip


def bench_stages(directory: Path, n: int) -> dict:
    """Python CPU ms per invoice of each stage an ingest runs before the database, one core,
    on the flatten sample: read and parse the files (orjson), identify (canonical JSON and
    its SHA-256), flatten, and format (COPY text of the lines, totals, issues)."""
    from invoices.services.prepare import _outcome, flatten_or_error, identify

    files = json_files([directory])[: max(1, min(n, FLATTEN_SAMPLE) // PAGE)]
    started = time.process_time()
    sample = list(payloads_from_paths(files))
    parse = time.process_time() - started
    started = time.process_time()
    identified = [identify(payload) for payload in sample]
    ident = time.process_time() - started
    started = time.process_time()
    results = [flatten_or_error(p.payload) for p in identified]
    flat = time.process_time() - started
    started = time.process_time()
    for result in results:
        if not isinstance(result, str):
            _outcome(result, copy=True)
    fmt = time.process_time() - started
    count = max(len(sample), 1)
    return {"invoices": len(sample)} | {
        f"{name}_ms_per_invoice": 1000 * seconds / count
        for name, seconds in (
            ("read_parse", parse),
            ("identify", ident),
            ("flatten", flat),
            ("format", fmt),
        )  # fmt: skip
    }


def bench_baseline(directory: Path, n: int) -> dict:
    """The naive path: one transaction per invoice, every row saved with ``Model.save()``."""
    py0, pg0 = python_cpu(), postgres_cpu()
    started = time.perf_counter()
    sample = payloads(directory, min(n, BASELINE_INVOICES))  # read and parsed: timed too
    run = IngestRun.objects.create(source="bench baseline")
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
    return {"invoices": len(sample), "seconds": seconds, "invoices_per_s": len(sample) / seconds,
            **cpu_figures(len(sample), py0, pg0)}  # fmt: skip


def _ticks(pid: int, *, children: bool = False) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    used = int(fields[11]) + int(fields[12])  # utime, stime
    if children:
        used += int(fields[13]) + int(fields[14])  # cutime, cstime: children waited for
    return used / os.sysconf("SC_CLK_TCK")


def postgres_cpu() -> float | None:
    """CPU seconds used so far by the PostgreSQL server (postmaster, live and ended backends).

    Wall-clock figures on a machine shared with other work measure the sharing; CPU
    seconds per invoice (ours and the server's) say what the ingest costs. None when the
    server is not on this machine.
    """
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
        status = Path(f"/proc/{backend}/status").read_text()
        postmaster = int(status.split("PPid:")[1].split()[0])
        total = _ticks(postmaster, children=True)
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, IndexError, ValueError):
                    stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    if int(stat[1]) == postmaster:
                        total += _ticks(int(entry.name))
        return total
    except (OSError, IndexError, ValueError):
        return None


def python_cpu() -> float:
    """CPU seconds of this process and of its ended children (the worker processes)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def cpu_figures(count: int, py0: float, pg0: float | None) -> dict:
    py = python_cpu() - py0
    pg = None if pg0 is None or postgres_cpu() is None else postgres_cpu() - pg0
    out = {"python_cpu_s": py, "python_cpu_ms_per_invoice": 1000 * py / max(count, 1)}
    if pg is not None:
        out.update(postgres_cpu_s=pg, postgres_cpu_ms_per_invoice=1000 * pg / max(count, 1),
                   cpu_ms_per_invoice=1000 * (py + pg) / max(count, 1))  # fmt: skip
    return out


def bench_command(directory: Path, *, workers: int) -> dict:
    """``manage.py ingest_invoices DIR`` timed from the call to its summary."""
    settings.INVOICES_INGEST_WORKERS = workers
    out = io.StringIO()
    py0, pg0 = python_cpu(), postgres_cpu()
    started = time.perf_counter()
    call_command("ingest_invoices", str(directory), "--json", stdout=out)
    seconds = time.perf_counter() - started
    summary = json.loads(out.getvalue().strip().splitlines()[-1])
    return {"workers": workers, "invoices": summary["fetched"],
            "processed": summary["processed"], "failed": summary["failed"],
            "skipped": summary["skipped"], "line_items": summary["line_items_created"],
            "seconds": seconds, "invoices_per_s": summary["fetched"] / seconds,
            **cpu_figures(summary["fetched"], py0, pg0)}  # fmt: skip


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

        def server(view=view):
            # The whole view computed by the server, no rows sent: the query's own time.
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, TIMING OFF, FORMAT JSON) SELECT * FROM {view}")
                plan = cursor.fetchone()[0]
            plan = json.loads(plan) if isinstance(plan, str) else plan
            return plan[0]["Execution Time"]

        rows = full()
        server_ms = [server() for _ in range(3)] if connection.vendor == "postgresql" else []
        out[view] = {
            "rows": rows,
            "server_s": statistics.median(server_ms) / 1000 if server_ms else None,
            "full_scan_s": median_seconds(full),
            "first_page_s": median_seconds(
                lambda model=model, ordering=ordering: list(model.objects.order_by(*ordering)[:100])
            ),
        }
    return out


def bench_pages() -> dict:
    """Admin changelists and the dashboard as a manager would open them (median of 3)."""
    from urllib.parse import quote

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
    invoice = RawInvoice.objects.filter(status="processed").order_by("-id").first()
    pages = {
        "dashboard": "/invoices/",
        "raw invoices": "/admin/invoices/rawinvoice/",
        "raw invoices, failed": "/admin/invoices/rawinvoice/?status__exact=failed",
        "line items": "/admin/invoices/lineitem/",
        "line items, search part": f"/admin/invoices/lineitem/?q={part}",
        "line items, technician": "/admin/invoices/lineitem/?technician="
        + (technician.technician if technician else ""),
        "line items, customer": "/admin/invoices/lineitem/?customer="
        + quote(invoice.customer_title if invoice else ""),
        "line items, search invoice": "/admin/invoices/lineitem/?q="
        + quote(invoice.invoice_number if invoice else ""),
        "line items, search VIN": "/admin/invoices/lineitem/?q="
        + quote(invoice.unit_vin if invoice else ""),
        "line items, invoices of 2025": "/admin/invoices/lineitem/?invoice_date__gte=2025-01-01"
        "&invoice_date__lt=2026-01-01",
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
    workers = ingest_workers()
    print(f"Invoices benchmark at {n:,} invoices on {connection.vendor}, {workers} workers")
    tmp = Path(tempfile.mkdtemp(prefix="bench-invoices-"))
    try:
        generation = files_write(tmp / "all", n)
        print(f"  generated {n:,} invoices into {n // PAGE or 1} files in {generation:.0f}s")
        single_dir = files_subset(tmp / "all", tmp / "single", min(n, SINGLE_INVOICES))
        clear()
        flatten = bench_flatten(tmp / "all", n)
        print(f"  flatten: {flatten['invoices_per_s']:,.0f} invoices/s")
        stages = bench_stages(tmp / "all", n)
        baseline = bench_baseline(tmp / "all", n)
        print(f"  per-row save() baseline: {baseline['invoices_per_s']:,.0f} invoices/s")
        clear()
        single = bench_command(single_dir, workers=1)
        print(f"  ingest_invoices, 1 process: {single['invoices_per_s']:,.0f} invoices/s")
        clear()
        ingest = bench_command(tmp / "all", workers=workers)
        print(f"  ingest_invoices, {workers} workers: {ingest['invoices_per_s']:,.0f} invoices/s")
        analyze()
        reingest = bench_command(single_dir, workers=workers)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    views = bench_views()
    pages = bench_pages()
    ratio = ingest["invoices_per_s"] / baseline["invoices_per_s"]

    print()
    print(f"{'measure':<44}{'value':>16}")
    print("-" * 60)
    print(f"{'flatten alone (invoices/s)':<44}{flatten['invoices_per_s']:>16,.0f}")
    print(f"{'ingest_invoices DIR, ' + str(workers) + ' workers (inv/s)':<44}"
          f"{ingest['invoices_per_s']:>16,.0f}")  # fmt: skip
    print(f"{'  invoices':<44}{ingest['invoices']:>16,}")
    print(f"{'  line items written':<44}{ingest['line_items']:>16,}")
    print(f"{'  line items/s':<44}{ingest['line_items'] / ingest['seconds']:>16,.0f}")
    print(f"{'per-row ORM save() baseline (invoices/s)':<44}{baseline['invoices_per_s']:>16,.0f}")
    print(f"{'  ingest / baseline':<44}{ratio:>15.1f}x")
    print(f"{'ingest_invoices DIR, 1 process (inv/s)':<44}{single['invoices_per_s']:>16,.0f}")
    print(f"{'  invoices':<44}{single['invoices']:>16,}")
    print(f"{'re-ingest unchanged (invoices/s)':<44}{reingest['invoices_per_s']:>16,.0f}")
    print()
    print(f"{'CPU ms per invoice':<32}{'python':>10}{'postgres':>10}{'total':>8}")
    for label, fig in (("ingest, workers", ingest), ("ingest, 1 process", single),
                       ("per-row save() baseline", baseline)):  # fmt: skip
        if "cpu_ms_per_invoice" in fig:
            py, pg = fig["python_cpu_ms_per_invoice"], fig["postgres_cpu_ms_per_invoice"]
            print(f"{label:<32}{py:>10.2f}{pg:>10.2f}{fig['cpu_ms_per_invoice']:>8.2f}")
    if "cpu_ms_per_invoice" in ingest:
        ceiling = 2000 / ingest["cpu_ms_per_invoice"]
        print(f"{'  => ceiling on 2 idle cores (invoices/s)':<44}{ceiling:>16,.0f}")
    print(f"{'Python stages before the database (1 core)':<44}{'ms/invoice':>16}")
    for name in ("read_parse", "identify", "flatten", "format"):
        print(f"{'  ' + name.replace('_', ' + '):<44}{stages[name + '_ms_per_invoice']:>16.3f}")
    print()
    print(f"{'view':<30}{'rows':>10}{'server s':>10}{'all rows s':>12}{'first 100 s':>13}")
    print("-" * 75)
    for view, figures in views.items():
        server = figures["server_s"]
        server_text = f"{server:>10.3f}" if server is not None else f"{'-':>10}"
        print(f"{view:<30}{figures['rows']:>10,}{server_text}{figures['full_scan_s']:>12.3f}"
              f"{figures['first_page_s']:>13.3f}")  # fmt: skip
    print(
        "(server: executed by PostgreSQL, no rows sent; all rows: SELECT * fetched into "
        "Python; first 100: the API's first page)"
    )

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
        "python_stages": stages,
        "ingest": ingest,
        "ingest_one_process": single,
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
