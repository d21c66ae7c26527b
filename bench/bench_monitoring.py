"""Monitoring at scale: a year of runs and their metrics, then the reads monitoring does.

Usage (on the throwaway PostgreSQL):
  scripts/with-postgres.sh bash -c 'DEBUG=true .venv/bin/python manage.py migrate -v0 &&
      DEBUG=true .venv/bin/python bench/bench_monitoring.py [SCALE]'
SCALE (argument or BENCH_SCALE, default 1) is years of history: an invoice ingest every
15 minutes, 4 feeds x 10 stores a day, an hourly reconciliation, each with its metrics
(1 → about 35,000 ingest runs, 14,600 feed imports, 8,760 reconciliations, 470,000
metric rows, 100,000 raw invoices). Prints a table and merges figures under "monitoring"
in bench/results.json. Baseline: the latest value of every metric found in Python over
every metric row (what ``latest_metrics`` avoids), measured in the same run.
"""

import json
import os
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fleetops.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from fleetops.services import api_token_create  # noqa: E402
from inventory.models import FeedImport, ReconciliationRun  # noqa: E402
from invoices.models import IngestRun, InvoiceIssue, RawInvoice  # noqa: E402
from monitoring.alerts import alerts_evaluate  # noqa: E402
from monitoring.health import health_all  # noqa: E402
from monitoring.models import Alert, Metric  # noqa: E402
from monitoring.prometheus import FEED_SOURCE, latest_feed_metrics, latest_metrics  # noqa: E402

BATCH = 5000
SOURCES = ("cdk", "vauto", "lojack", "oem")


def _bulk(model, rows):
    for i in range(0, len(rows), BATCH):
        model.objects.bulk_create(rows[i : i + BATCH])


def generate(scale: float) -> dict:
    for model in (
        Alert,
        Metric,
        InvoiceIssue,
        RawInvoice,
        IngestRun,
        FeedImport,
        ReconciliationRun,
    ):
        model.objects.all().delete()
    now = timezone.now()
    days = max(1, int(365 * scale))
    start = now - timedelta(days=days)
    metrics = []

    ingests = []
    for i in range(days * 96):
        at = start + timedelta(minutes=15 * i)
        failed = 1 if i % 7 == 0 else 0
        ingests.append(
            IngestRun(status="succeeded", started_at=at, finished_at=at + timedelta(seconds=40),
                      fetched=20, processed=19 - failed, failed=failed, skipped=1,
                      line_items_created=80, total_value=Decimal("4800.00"))
        )  # fmt: skip
    _bulk(IngestRun, ingests)
    for run in IngestRun.objects.only("id", "finished_at", "processed", "failed"):
        values = {"fetched": 20, "processed": run.processed, "failed": run.failed, "skipped": 1,
                  "line_items_created": 80, "total_value": 4800, "duration_seconds": 40,
                  "data_quality_score": 95}  # fmt: skip
        metrics += [Metric(source="invoices.ingest", run_id=run.id, name=k, value=v,
                           recorded_at=run.finished_at) for k, v in values.items()]  # fmt: skip

    feeds = []
    for d in range(days):
        day = start + timedelta(days=d)
        for source in SOURCES:
            for store in range(10):
                at = day + timedelta(hours=5, minutes=store)
                feeds.append(FeedImport(
                    source=source, store=f"store{store}", status="succeeded", started_at=at,
                    finished_at=at + timedelta(seconds=20), rows_read=2000, vehicles=1990,
                    invalid_rows=10,
                ))  # fmt: skip
    _bulk(FeedImport, feeds)
    for run in FeedImport.objects.only("id", "finished_at"):
        values = {"rows_read": 2000, "vehicles": 1990, "invalid_rows": 10, "duplicates": 0,
                  "duration_seconds": 20}  # fmt: skip
        metrics += [Metric(source="inventory.feed", run_id=run.id, name=k, value=v,
                           recorded_at=run.finished_at) for k, v in values.items()]  # fmt: skip

    recs = [
        ReconciliationRun(status="succeeded", started_at=start + timedelta(hours=h),
                          finished_at=start + timedelta(hours=h, seconds=90),
                          vehicles=20000, aligned=18000, oem_not_in_cdk=40 + h % 5)
        for h in range(days * 24)
    ]  # fmt: skip
    _bulk(ReconciliationRun, recs)
    names = ("vehicles", "aligned", "aligned_pct", "oem_not_in_cdk", "not_marketed",
             "ghost_listing", "no_tracking", "critical_open", "oem_at_risk", "not_marketed_value",
             "floorplan_monthly", "untracked_value", "duration_seconds")  # fmt: skip
    for run in ReconciliationRun.objects.only("id", "finished_at", "oem_not_in_cdk"):
        metrics += [Metric(source="inventory.reconcile", run_id=run.id, name=n,
                           value=run.oem_not_in_cdk, recorded_at=run.finished_at)
                    for n in names]  # fmt: skip
    _bulk(Metric, metrics)

    invoices = [
        RawInvoice(primary_key=f"B{i}", payload={"k": i}, payload_hash=str(i), status="processed",
                   received_at=start + timedelta(minutes=5 * i % (days * 1440)),
                   processed_at=start + timedelta(minutes=5 * i % (days * 1440)))
        for i in range(int(100_000 * scale) or 1000)
    ]  # fmt: skip
    _bulk(RawInvoice, invoices)
    ids = list(RawInvoice.objects.values_list("id", flat=True)[::20])
    _bulk(InvoiceIssue, [InvoiceIssue(raw_invoice_id=i, kind="totals_mismatch", message="x")
                         for i in ids])  # fmt: skip
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    return {
        "ingest_runs": len(ingests),
        "feed_imports": len(feeds),
        "reconciliations": len(recs),
        "metrics": len(metrics),
        "raw_invoices": len(invoices),
    }


def timed(fn, repeat=5):
    times, queries = [], 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        queries = len(ctx.captured_queries)
    return statistics.median(times) * 1000, queries


def naive_latest():
    latest = {}
    for source, name, at, value in Metric.objects.values_list(
        "source", "name", "recorded_at", "value"
    ).iterator(chunk_size=10000):
        key = (source, name)
        if key not in latest or at >= latest[key][0]:
            latest[key] = (at, value)
    return latest


def main():
    scale = float(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_SCALE", "1"))
    t0 = time.perf_counter()
    sizes = generate(scale)
    print(f"Generated in {time.perf_counter() - t0:.1f}s: {sizes}")

    User = get_user_model()
    manager, _ = User.objects.get_or_create(username="bench-manager", defaults={"is_staff": True})
    manager.groups.add(Group.objects.get(name="Managers"))
    _, key = api_token_create(user=manager, name="bench")
    client = Client()
    client.force_login(manager)
    auth = {"Authorization": f"Bearer {key}"}

    # the feed imports' metrics are read per feed (latest_feed_metrics), the others here
    assert {(m.source, m.name): m.value for m in latest_metrics()} == {
        k: v[1] for k, v in naive_latest().items() if k[0] != FEED_SOURCE
    }, "latest_metrics disagrees with the Python baseline"
    rows = {
        "health_all": timed(health_all),
        "alerts_evaluate": timed(alerts_evaluate),
        "latest_metrics": timed(latest_metrics),
        "latest_feed_metrics": timed(latest_feed_metrics),
        "baseline_latest_in_python": timed(naive_latest, repeat=1),
        "GET /metrics": timed(lambda: client.get("/metrics", headers=auth)),
        "GET /monitoring/": timed(lambda: client.get("/monitoring/")),
        "GET /api/monitoring/health": timed(lambda: client.get("/api/monitoring/health")),
    }
    print(f"\n{'operation':<30} {'median ms':>10} {'queries':>8}")
    for name, (ms, q) in rows.items():
        print(f"{name:<30} {ms:>10.1f} {q:>8}")
    ratio = rows["baseline_latest_in_python"][0] / rows["latest_metrics"][0]
    print(f"\nlatest_metrics vs Python over every metric row: {ratio:.0f}x faster")

    results = {
        "scale": scale,
        "database": connection.vendor,
        "sizes": sizes,
        "median_ms": {name: round(ms, 2) for name, (ms, _) in rows.items()},
        "queries": {name: q for name, (_, q) in rows.items()},
        "latest_metrics_speedup_vs_python": round(ratio, 1),
    }
    path = ROOT / "bench" / "results.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data["monitoring"] = results
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print("\nWrote bench/results.json (key 'monitoring').")


if __name__ == "__main__":
    main()
