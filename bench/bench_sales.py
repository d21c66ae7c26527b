"""Sales analytics at 1× and SCALE× classicmodels (default 100): page and query times.

Usage (on the throwaway PostgreSQL):
  scripts/with-postgres.sh bash -c 'DEBUG=true .venv/bin/python manage.py migrate -v0 &&
      DEBUG=true .venv/bin/python bench/bench_sales.py [SCALE]'
The shipped data is measured first (1×), then SCALE× (argument or BENCH_SCALE; 100 →
12,200 customers, 32,600 orders, ~300,000 lines). Each analytic and each page is timed
BENCH_REPEAT times (default 5) after a warm-up; the median is reported, with the SQL
time of one call and its query count. Budgets: every page under 300 ms at 1× and under
1.5 s at SCALE×. BENCH_REUSE=1 keeps data already generated at that scale (development).
Prints tables and merges figures under "sales" in bench/results.json.
Baselines measured in the same run: revenue by year summed in Python over every order
line (what the SQL aggregation avoids), and cross-sell pair counts by a self-join of the
order lines on each order (what the per-product bitmasks replace).
"""

import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fleetops.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.db.models import Count, F  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from sales import models  # noqa: E402
from sales.demo import DEMO_DIR  # noqa: E402
from sales.selectors import abc, customers, kpis, organisation, products, regional, risk  # noqa: E402
from sales.selectors.base import SalesFilter, as_of_date, revenue_lines  # noqa: E402
from sales.services import classicmodels_load  # noqa: E402
from sales.totals import order_totals_refresh  # noqa: E402

BATCH = 5000
STEP = 100_000  # key offset per copy


def sizes() -> dict:
    return {
        "customers": models.Customer.objects.count(),
        "orders": models.Order.objects.count(),
        "order_lines": models.OrderLine.objects.count(),
    }


def generate(scale: int) -> dict:
    """Load the shipped data once, then add ``scale - 1`` shifted copies of customers,
    orders, lines and payments (set-based bulk inserts)."""
    for model in (models.Payment, models.OrderLine, models.Order, models.Customer):
        model.objects.all().delete()
    run = classicmodels_load(directory=DEMO_DIR)
    assert run.status == "succeeded", run.problems
    rng = random.Random(42)
    base_customers = list(models.Customer.objects.all())
    base_orders = list(models.Order.objects.all())
    base_lines = list(models.OrderLine.objects.all())
    base_payments = list(models.Payment.objects.all())
    for k in range(1, scale):
        off = k * STEP
        shift = timedelta(days=rng.randint(-20, 20))
        new_customers = []
        for c in base_customers:
            c2 = models.Customer(**{f.attname: getattr(c, f.attname) for f in c._meta.fields})
            c2.customer_number = c.customer_number + off
            c2.credit_limit = c.credit_limit * rng.choice((0, 1, 1, 2))
            new_customers.append(c2)
        models.Customer.objects.bulk_create(new_customers, batch_size=BATCH)
        new_orders = []
        for o in base_orders:
            o2 = models.Order(**{f.attname: getattr(o, f.attname) for f in o._meta.fields})
            o2.order_number, o2.customer_id = o.order_number + off, o.customer_id + off
            for name in ("order_date", "required_date", "shipped_date"):
                value = getattr(o, name)
                if value is not None:
                    setattr(o2, name, min(value + shift, value.replace(month=12, day=31)))
            new_orders.append(o2)
        models.Order.objects.bulk_create(new_orders, batch_size=BATCH)
        models.OrderLine.objects.bulk_create(
            [
                models.OrderLine(
                    order_id=line.order_id + off,
                    product_id=line.product_id,
                    quantity_ordered=line.quantity_ordered,
                    price_each=line.price_each,
                    order_line_number=line.order_line_number,
                )
                for line in base_lines
            ],
            batch_size=BATCH,
        )
        models.Payment.objects.bulk_create(
            [
                models.Payment(
                    customer_id=p.customer_id + off,
                    check_number=p.check_number,
                    payment_date=p.payment_date,
                    amount=p.amount,
                )
                for p in base_payments
            ],
            batch_size=BATCH,
        )
    order_totals_refresh()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return sizes()


def timed(fn, repeat: int) -> tuple[float, float, int]:
    """Median milliseconds of ``fn()`` over ``repeat`` calls (after one warm-up call),
    and the SQL milliseconds and query count of the last call."""
    fn()
    times = []
    sql_ms, queries = 0.0, 0
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        queries = len(ctx.captured_queries)
        sql_ms = sum(float(q["time"]) for q in ctx.captured_queries) * 1000
    return statistics.median(times), sql_ms, queries


def baseline_revenue_by_year(settings) -> dict:
    """The naive way: every line into Python, summed there."""
    excluded = set(settings.excluded_status_list)
    totals: dict = {}
    for qty, price, day, status in models.OrderLine.objects.values_list(
        "quantity_ordered", "price_each", "order__order_date", "order__status"
    ).iterator(chunk_size=5000):
        if day is not None and status not in excluded:
            totals[day.year] = totals.get(day.year, 0) + qty * price
    return totals


def baseline_cross_sell_self_join(settings, flt, as_of) -> list:
    """Pair counts by joining each order line to the other lines of its order (the
    previous implementation's main query), minimum co-occurrence in HAVING."""
    days = settings.crosssell_window_days
    start = as_of - timedelta(days=days - 1) if days else None
    return list(
        revenue_lines(settings, flt, start=start, end=as_of)
        .filter(order__lines__product_id__gt=F("product_id"))
        .values("product_id", "order__lines__product_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=settings.crosssell_min_orders)
    )


def measure(scale: int, repeat: int, reuse: bool) -> dict:
    """Generate (or reuse) the data set at ``scale`` and time every analytic and page."""
    started = time.perf_counter()
    current = sizes()
    if reuse and current["orders"] == 326 * scale:
        print(f"Reusing classicmodels × {scale} on {connection.vendor}: {current}")
        generate_s = None
    else:
        print(f"Generating classicmodels × {scale} on {connection.vendor}…")
        current = generate(scale)
        generate_s = round(time.perf_counter() - started, 1)
        print(f"  {current} in {generate_s}s")

    settings = models.SalesSettings.current()
    as_of = as_of_date(settings)
    flt = SalesFilter()
    year = as_of.year
    product_windows = getattr(products, "product_windows", None)  # absent in older code
    windows = product_windows(settings, flt, as_of) if product_windows else None
    analytics = {
        "as_of_date": lambda: as_of_date(settings),
        "executive_kpis": lambda: kpis.executive_kpis(settings, flt, year, as_of),
        "monthly_revenue": lambda: kpis.monthly_revenue(settings, flt),
        "revenue_by_product_line": lambda: kpis.revenue_by_product_line(settings, flt),
        "revenue_by_country": lambda: regional.revenue_by_country(settings, flt),
        "revenue_by_territory": lambda: regional.revenue_by_territory(settings, flt),
        "credit_misalignment": lambda: risk.credit_misalignment(settings, flt),
        "late_orders": lambda: risk.late_orders(settings, flt, as_of),
        "exclusions": lambda: risk.exclusions(settings),
        "on_time_trend": lambda: risk.on_time_trend(settings, flt),
        "customer_activity+rfm": lambda: customers.rfm_segments(
            settings, customers.customer_activity(settings, flt, as_of)
        ),
        # The Opportunities page reads the lines once for both product tables when the
        # code has product_windows (older code: each function scans on its own).
        **(
            {
                "product_windows (1 line scan)": lambda: products.product_windows(
                    settings, flt, as_of
                ),
                "demand_trend (from windows)": lambda: products.demand_trend(
                    settings, flt, as_of, windows
                ),
                "cross_sell_pairs (from windows)": lambda: products.cross_sell_pairs(
                    settings, flt, as_of, windows=windows
                ),
            }
            if windows
            else {}
        ),
        "demand_trend (own scan)": lambda: products.demand_trend(settings, flt, as_of),
        "cross_sell_pairs (own scan)": lambda: products.cross_sell_pairs(settings, flt, as_of),
        "customers_abc": lambda: abc.customers_abc(settings, flt),
        "products_abc": lambda: abc.products_abc(settings, flt),
        "reps_abc+organisation": lambda: organisation.sales_organisation(
            settings, flt, abc.reps_abc(settings, flt)
        ),
        "BASELINE python revenue by year": lambda: baseline_revenue_by_year(settings),
        "BASELINE cross-sell self-join": lambda: baseline_cross_sell_self_join(
            settings, flt, as_of
        ),
    }
    print(f"\n{'analytic (' + str(scale) + '×)':<34}{'median ms':>10}{'sql ms':>9}{'queries':>9}")
    analytic_ms, analytic_sql_ms = {}, {}
    for name, fn in analytics.items():
        ms, sql_ms, queries = timed(fn, repeat)
        analytic_ms[name], analytic_sql_ms[name] = round(ms, 1), round(sql_ms, 1)
        print(f"{name:<34}{ms:>10.1f}{sql_ms:>9.1f}{queries:>9}")
    ratios = {
        "revenue: python ÷ executive_kpis": analytic_ms["BASELINE python revenue by year"]
        / analytic_ms["executive_kpis"],
        # own scan: the bitmask version's query also reads the demand-trend window
        "cross-sell: self-join ÷ cross_sell_pairs (own scan)": analytic_ms[
            "BASELINE cross-sell self-join"
        ]
        / analytic_ms["cross_sell_pairs (own scan)"],
    }
    for label, value in ratios.items():
        print(f"baseline {label}: {value:.1f}×")

    user, _ = get_user_model().objects.get_or_create(
        username="bench-sales", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    pages = {
        "executive": "/sales/",
        "regional": "/sales/regional/",
        "risks": "/sales/risks/",
        "opportunities": "/sales/opportunities/",
        "deep_dive": "/sales/deep-dive/",
        "executive ?year&territory": f"/sales/?year={year}&territory=EMEA",
        "regional ?country": "/sales/regional/?country=France",
        "opportunities ?year": f"/sales/opportunities/?year={year - 1}",
        "deep_dive ?product_line": "/sales/deep-dive/?product_line=Classic+Cars",
    }
    budget = 300 if scale <= 1 else 1500
    page_ms, page_sql_ms, page_queries = {}, {}, {}
    header = f"{'page (' + str(scale) + '×)':<34}{'median ms':>10}{'sql ms':>9}{'queries':>9}"
    print(f"\n{header}{'budget':>9}")
    for name, url in pages.items():

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        ms, sql_ms, queries = timed(get, repeat)
        page_ms[name], page_sql_ms[name] = round(ms, 1), round(sql_ms, 1)
        page_queries[name] = queries
        verdict = "ok" if ms < budget else "OVER"
        print(f"{name:<34}{ms:>10.1f}{sql_ms:>9.1f}{queries:>9}{verdict:>9}")
    return {
        "scale": scale,
        "sizes": current,
        "generate_s": generate_s,
        "repeat": repeat,
        "budget_ms": budget,
        "analytics_ms": analytic_ms,
        "analytics_sql_ms": analytic_sql_ms,
        "pages_ms": page_ms,
        "pages_sql_ms": page_sql_ms,
        "pages_queries": page_queries,
        "baseline_ratios": {k: round(v, 1) for k, v in ratios.items()},
        "pages_over_budget": [name for name, ms in page_ms.items() if ms >= budget],
    }


def main() -> None:
    scale = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_SCALE", "100"))
    repeat = int(os.environ.get("BENCH_REPEAT", "5"))
    reuse = os.environ.get("BENCH_REUSE", "") == "1"
    load = os.getloadavg()
    print(f"{connection.vendor}, load average {load[0]:.1f} on {os.cpu_count()} cores")
    runs = {}
    for s in dict.fromkeys((1, scale)):
        runs[f"{s}x"] = measure(s, repeat, reuse)
    results = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": connection.vendor,
        "load_average": round(load[0], 1),
        "runs": runs,
    }
    path = ROOT / "bench" / "results.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data["sales"] = results
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print("\nWrote bench/results.json (key 'sales').")


if __name__ == "__main__":
    main()
