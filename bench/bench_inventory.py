"""Inventory benchmark (make bench, never make test), on the throwaway PostgreSQL.

For each scale (default 41,162 and 1,000,000 vehicles; ``BENCH_SCALE=20000`` or
``python bench/bench_inventory.py 20000 [...]`` for a quick check):
- feed import rows/s: the day-1 CDK file through ``feed_import`` (the whole service: run
  row, parse and validation of every row, issues, snapshot write, dirty-VIN queue, audit),
  into an empty snapshot (the first-load path: rows streamed by COPY into the table, its
  index rebuilt at the end, all inside the import's transaction), next to the parser
  alone on the same file (validating and shaping the rows, no database) and to the
  same import with its parsing replayed from the parser's finished output (everything
  but the parsing: what the import would take with a parser costing nothing), against
  (b) the plain
  django-import-export path on the same file (a default ``ModelResource`` over
  ``SourceRecord``, row by row, as a clerk's admin import runs it; timed on the first
  ``BENCH_IE_ROWS`` rows and extrapolated as rows/s) and
  (c) a raw ``COPY`` of the same bytes into a bare table of text columns (the ceiling).
  The import and the COPY are run ``BENCH_REPS`` times interleaved (snapshot emptied
  between runs), medians reported: this machine is shared and noisy (one raw COPY of
  the 1M file took 0.9 s in one run and 1.7 s in the next). By default 3 times at a
  million vehicles and 9 times below 200,000: there a raw COPY takes 40-70 ms, so one
  pause of the host moves a reading by half, and 9 pairs cost about 5 s;
- the feeds are the last two days of a week's history (``HISTORY_DAYS``), so the second
  is a steady-state day: of a two-day history, the one day would also take in the
  listings and devices that come and go over a week (25% of the VINs changed in a day
  instead of 13%);
- the daily re-import (day 2, all four sources, mostly unchanged rows, through the staging
  table and the changed-rows upsert) rows/s (also in ``BENCH_IMPORT_ONLY`` mode);
- reconciliation seconds (first run and a steady-state re-run), against a naive
  per-vehicle ORM loop (at most ``BENCH_NAIVE_VEHICLES`` vehicles, extrapolated);
- the daily run's size next to its time: VINs changed by the day-2 imports (the queue the
  run consumed) and exceptions opened, reopened and cleared by it;
- each reconciliation by step (``reconcile_<run>_<step>_s``): wall seconds of its
  statements writing vehicles, exceptions (with their audit) and matches, the reads
  (totals), the rest, and "outside" the statements (commit, Python);
- pages (dashboard, exceptions and vehicles changelists unfiltered and filtered by store,
  priority, kind, state (open, all, cleared), SLA, presence and a rare combination, the
  summary API and the exceptions API filtered by priority): ``VACUUM ANALYZE`` of the
  inventory tables first (as autovacuum leaves them in production: visibility map set, so
  counts can be index-only; statistics fresh), then the median of ``BENCH_PAGE_REPS`` (7)
  requests after one warm-up request; ``vehicle_export_s``: the vehicles' CSV export (every
  field, streamed) downloaded to its last byte, once.
Prints a table and merges the figures into bench/results.json under "inventory".
"""

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fleetops.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

from bench.inventory_import import (  # noqa: E402
    IE_ROWS,
    first_load_rows_per_s,
    import_export_rows_per_s,
    import_figures,
    reset,
)
from inventory.feeds.generate import feeds_write, population  # noqa: E402
from inventory.models import (  # noqa: E402
    DirtyVin,
    FeedIssue,
    InventoryException,
    ProbableMatch,
    ReconciliationRun,
    SourceRecord,
    Vehicle,
)
from inventory.resources import VehicleResource  # noqa: E402
from inventory.services import feed_import, vehicles_reconcile  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"
NAIVE_VEHICLES = int(os.environ.get("BENCH_NAIVE_VEHICLES", "3000"))
PAGE_REPS = int(os.environ.get("BENCH_PAGE_REPS", "7"))
HISTORY_DAYS = 7  # the feeds: the last two days of a week


def scales() -> list[int]:
    if len(sys.argv) > 1:
        return [int(a) for a in sys.argv[1:]]
    if os.environ.get("BENCH_SCALE"):
        return [int(s) for s in os.environ["BENCH_SCALE"].split(",")]
    return [41_162, 1_000_000]


def naive_reconcile_seconds_per_vehicle() -> float:
    """The obvious ORM loop: per vehicle, look up each source and each exception."""
    vins = list(
        SourceRecord.objects.exclude(vin="")
        .values_list("vin", flat=True)
        .distinct()[:NAIVE_VEHICLES]
    )
    started = time.perf_counter()
    with transaction.atomic():
        for vin in vins:
            present = set(SourceRecord.objects.filter(vin=vin).values_list("source", flat=True))
            vehicle, _ = Vehicle.objects.get_or_create(vin=vin)
            vehicle.in_cdk, vehicle.in_vauto = "cdk" in present, "vauto" in present
            vehicle.in_lojack, vehicle.in_oem = "lojack" in present, "oem" in present
            vehicle.save()
            conditions = {
                "oem_not_in_cdk": vehicle.in_oem and not vehicle.in_cdk,
                "not_marketed": vehicle.in_cdk and not vehicle.in_vauto,
                "ghost_listing": vehicle.in_vauto and not vehicle.in_cdk,
                "no_tracking": vehicle.in_cdk and not vehicle.in_lojack,
            }
            for kind, holds in conditions.items():
                existing = InventoryException.objects.filter(vin=vin, kind=kind).first()
                if holds and existing is None:
                    InventoryException.objects.create(
                        vehicle=vehicle, vin=vin, kind=kind, priority="HIGH"
                    )
                elif existing is not None and not holds and existing.state == "open":
                    existing.state = "cleared"
                    existing.save()
        transaction.set_rollback(True)
    return (time.perf_counter() - started) / max(len(vins), 1)


STAGES = ("vehicles", "exceptions", "matches", "reads", "other", "outside")


def _stage_of(sql: str) -> str:
    """Which step of the reconciliation a statement belongs to (for the breakdown)."""
    if sql.lstrip().upper().startswith("SELECT"):
        return "reads"  # totals, counts, settings, the lock's reads
    if "inv_match" in sql or "probablematch" in sql:
        return "matches"
    if "inv_reconcile_vehicles" in sql or "inventory_vehicle" in sql:
        return "vehicles"
    if any(t in sql for t in ("inv_reconcile_cond", "inventoryexception", "auditentry",
                              "SET CONSTRAINTS")):  # fmt: skip
        return "exceptions"
    return "other"  # the VIN scope, temporary tables, the run row, the lock


def timed_reconcile(**kwargs) -> tuple[ReconciliationRun, float, dict[str, float]]:
    """``vehicles_reconcile`` timed whole and per step (wall seconds of its statements by
    step; "outside": the rest, i.e. the commit and Python)."""
    stages = dict.fromkeys(STAGES, 0.0)

    def wrapper(execute, sql, params, many, context):
        t = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            stages[_stage_of(sql)] += time.perf_counter() - t

    t = time.perf_counter()
    with connection.execute_wrapper(wrapper):
        run = vehicles_reconcile(**kwargs)
    total = time.perf_counter() - t
    stages["outside"] = total - sum(stages.values())
    return run, total, stages


def stage_figures(name: str, stages: dict[str, float]) -> dict[str, float]:
    print(f"  {name} by step: " + ", ".join(f"{k} {v:.1f}s" for k, v in stages.items()),
          flush=True)  # fmt: skip
    return {f"reconcile_{name}_{k}_s": round(v, 2) for k, v in stages.items()}


def vacuum_analyze() -> float:
    """VACUUM ANALYZE the inventory tables (autocommit), as autovacuum would after the loads."""
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for model in (Vehicle, InventoryException, SourceRecord, FeedIssue, ProbableMatch,
                      ReconciliationRun):  # fmt: skip
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")
    return time.perf_counter() - started


def page_ms(client: Client, url: str) -> float:
    """Median of PAGE_REPS requests after one warm-up request."""
    client.get(url)  # warm
    times = []
    for _ in range(PAGE_REPS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def vehicle_export_s(client: Client, url: str) -> float:
    """The vehicles' streamed admin export, every field ticked, read to its last byte."""
    fields = {f"vehicleresource_{name}": "on" for name in VehicleResource.Meta.fields}
    started = time.perf_counter()
    response = client.post(url, {"format": "0", "resource": "0", **fields})
    size = sum(len(chunk) for chunk in response.streaming_content)
    assert response.status_code == 200 and size, (url, response.status_code)
    return time.perf_counter() - started


def import_day(folder: Path) -> dict[str, tuple[int, float]]:
    timings = {}
    for source in ("cdk", "vauto", "lojack", "oem"):
        t = time.perf_counter()
        run = feed_import(source=source, path=folder / f"{source}.csv")
        timings[source] = (run.rows_read, time.perf_counter() - t)
        assert run.status == "succeeded", run.error
    return timings


def bench(n: int) -> dict:
    reset()
    out = Path(tempfile.mkdtemp(prefix="bench-inv-"))
    try:
        return _bench(n, out)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def _bench(n: int, out: Path) -> dict:
    t = time.perf_counter()
    stores = max(4, min(40, n // 5000))
    cars = population(vehicles=n, stores=stores, days=HISTORY_DAYS, seed=1)
    day1, day2 = feeds_write(cars=cars, stores=stores, days=HISTORY_DAYS, seed=1, out=out, last=2)
    print(f"  generated {n:,} vehicles, the last 2 days of {HISTORY_DAYS}, in "
          f"{time.perf_counter() - t:.1f}s", flush=True)  # fmt: skip
    reps = int(os.environ.get("BENCH_REPS", "3" if n >= 200_000 else "9"))
    rates = first_load_rows_per_s(day1 / "cdk.csv", reps)
    cdk_rows = rates["rows"]
    if os.environ.get("BENCH_IMPORT_ONLY"):  # the import figures alone (others kept as were)
        ie_rate = import_export_rows_per_s(day1 / "cdk.csv")
        reset()
        print(f"  day 1 imported: {import_day(day1)}", flush=True)
        second = import_day(day2)
        print(f"  day 2 imported: {second}", flush=True)
        daily_rate = sum(r for r, _ in second.values()) / sum(s for _, s in second.values())
        return {"cdk_rows": cdk_rows, "import_daily_rows_per_s": round(daily_rate),
                "import_measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                **import_figures(rates, ie_rate)}  # fmt: skip
    reset()
    first = import_day(day1)
    print(f"  day 1 imported: {first}", flush=True)
    _, reconcile_first, first_stages = timed_reconcile()
    second = import_day(day2)
    print(f"  day 2 imported: {second}", flush=True)
    changed_vins = DirtyVin.objects.values("vin").distinct().count()
    daily_run, reconcile_daily, daily_stages = timed_reconcile()
    events = dict(
        InventoryException.objects.filter(last_event_run=daily_run)
        .values_list("last_event")
        .annotate(n=Count("id"))
        .order_by()
    )
    _, reconcile_full, full_stages = timed_reconcile(full=True)
    print(f"  reconciled: first {reconcile_first:.1f}s, daily {reconcile_daily:.1f}s "
          f"({changed_vins:,} VINs changed; exceptions opened {events.get('opened', 0):,}, "
          f"reopened {events.get('reopened', 0):,}, cleared {events.get('cleared', 0):,}), "
          f"full {reconcile_full:.1f}s", flush=True)  # fmt: skip
    steps = {**stage_figures("first", first_stages), **stage_figures("daily", daily_stages),
             **stage_figures("full", full_stages)}  # fmt: skip
    daily_rate = sum(r for r, _ in second.values()) / sum(s for _, s in second.values())
    ie_rate = import_export_rows_per_s(day1 / "cdk.csv")
    naive_per_vehicle = naive_reconcile_seconds_per_vehicle()
    naive_total = naive_per_vehicle * daily_run.vehicles
    user = get_user_model().objects.filter(is_superuser=True).first()
    if user is None:
        user = get_user_model().objects.create_superuser("bench-admin", "b@example.com", "x")
    client = Client()
    client.force_login(user)
    vacuum_s = vacuum_analyze()
    print(f"  VACUUM ANALYZE of the inventory tables before the pages: {vacuum_s:.1f}s", flush=True)
    store = (
        InventoryException.objects.open().values_list("store", flat=True).order_by("store").first()
        or ""
    )
    exc = "/admin/inventory/inventoryexception/"
    veh = "/admin/inventory/vehicle/"
    pages = {
        "dashboard_ms": page_ms(client, "/inventory/"),
        "exceptions_changelist_ms": page_ms(
            client, "/admin/inventory/inventoryexception/?state=open_all"
        ),
        "exceptions_critical_ms": page_ms(
            client, "/admin/inventory/inventoryexception/?priority__exact=CRITICAL&state=open_all"
        ),
        "exceptions_search_vin_ms": page_ms(
            client, f"/admin/inventory/inventoryexception/?q={cars[0].vin}"
        ),
        "exceptions_store_ms": page_ms(client, f"{exc}?state=open_all&store={quote(store)}"),
        "exceptions_critical_store_ms": page_ms(
            client, f"{exc}?priority__exact=CRITICAL&state=open_all&store={quote(store)}"
        ),
        "exceptions_breached_ms": page_ms(client, f"{exc}?state=open_all&sla=breached"),
        "exceptions_kind_ms": page_ms(client, f"{exc}?kind__exact=no_tracking&state=open_all"),
        "exceptions_all_states_ms": page_ms(client, f"{exc}?state=all"),
        "exceptions_cleared_ms": page_ms(client, f"{exc}?state=cleared"),
        "vehicle_changelist_ms": page_ms(client, veh),
        "vehicles_missing_vauto_ms": page_ms(client, f"{veh}?presence=no_vauto"),
        "vehicles_store_ms": page_ms(client, f"{veh}?store={quote(store)}"),
        "vehicles_rare_combo_ms": page_ms(client, f"{veh}?combo=VO"),
        "summary_api_ms": page_ms(client, "/api/inventory/summary"),
        "exceptions_api_critical_ms": page_ms(
            client, "/api/inventory/exceptions?priority=CRITICAL"
        ),
    }
    return {
        "import_measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "vehicles": daily_run.vehicles,
        "open_exceptions": InventoryException.objects.open().count(),
        "cdk_rows": cdk_rows,
        "import_daily_rows_per_s": round(daily_rate),
        **import_figures(rates, ie_rate),
        "import_export_sample_rows": min(IE_ROWS, cdk_rows),
        "reconcile_first_s": round(reconcile_first, 2),
        "reconcile_daily_s": round(reconcile_daily, 2),
        "daily_changed_vins": changed_vins,
        "daily_exceptions_opened": events.get("opened", 0),
        "daily_exceptions_reopened": events.get("reopened", 0),
        "daily_exceptions_cleared": events.get("cleared", 0),
        "reconcile_full_s": round(reconcile_full, 2),
        **steps,
        "naive_reconcile_s_estimated": round(naive_total, 1),
        "naive_sample_vehicles": min(NAIVE_VEHICLES, daily_run.vehicles),
        "reconcile_full_speedup_vs_naive": round(naive_total / reconcile_full, 1),
        "pages_after_vacuum_analyze": True,
        "page_reps": PAGE_REPS,
        **{k: round(v, 1) for k, v in pages.items()},
        "vehicle_export_s": round(vehicle_export_s(client, f"{veh}export/"), 1),
    }


def main() -> None:
    if connection.vendor != "postgresql":
        print("bench_inventory needs PostgreSQL (run it under scripts/with-postgres.sh).")
        sys.exit(2)
    results = {}
    for n in scales():
        print(f"inventory at {n:,} vehicles", flush=True)
        results[str(n)] = bench(n)
    print(f"\n{'metric':<34}" + "".join(f"{n:>16}" for n in results))
    for key in next(iter(results.values())):
        print(f"{key:<34}" + "".join(f"{r.get(key, ''):>16}" for r in results.values()))
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    previous = stored.get("inventory", {})
    # per scale, figures not measured this time (BENCH_IMPORT_ONLY) keep their last value
    stored["inventory"] = {
        **previous,
        **{n: {**previous.get(n, {}), **r} for n, r in results.items()},
    }
    RESULTS.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n")
    print(
        "\npages: after VACUUM ANALYZE of the inventory tables (as autovacuum leaves them), "
        f"median of {PAGE_REPS} requests after a warm-up; store filters use the first store "
        "with open exceptions."
    )
    print(
        f"import-export: timed on the first {IE_ROWS:,} rows of the same file, extrapolated "
        "as rows/s. Aims: import_vs_copy >= 0.30, import_vs_import_export >= 50."
    )
    print(
        "import_parse_free_vs_copy: the same import with the parser's output replayed "
        "instead of parsing (run row, COPY into the table, index builds, statistics, "
        "audit, commit, alerts): the most a faster parser could bring import_vs_copy to."
    )
    print(f"written to {RESULTS}")


if __name__ == "__main__":
    main()
