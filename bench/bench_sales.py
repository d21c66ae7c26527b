"""Sales analytics at scale: a classicmodels data set × SCALE (default 100), page and query times.

Usage (on the throwaway PostgreSQL):
  scripts/with-postgres.sh bash -c 'DEBUG=true .venv/bin/python manage.py migrate -v0 &&
      DEBUG=true .venv/bin/python bench/bench_sales.py [SCALE]'
SCALE (argument or BENCH_SCALE) multiplies customers, orders and order lines of the
shipped data (100 → 12,200 customers, 32,600 orders, ~300,000 lines). Prints a table and
merges figures under "sales" in bench/results.json. Baseline: the same revenue-by-year
figure computed in Python over every order line (what the selectors avoid).
"""

import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fleetops.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from sales import models  # noqa: E402
from sales.demo import DEMO_DIR  # noqa: E402
from sales.selectors import abc, customers, kpis, organisation, products, regional, risk  # noqa: E402
from sales.selectors.base import SalesFilter, as_of_date  # noqa: E402
from sales.services import classicmodels_load  # noqa: E402
from sales.totals import order_totals_refresh  # noqa: E402

BATCH = 5000
STEP = 100_000  # key offset per copy


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
    return {
        "customers": models.Customer.objects.count(),
        "orders": models.Order.objects.count(),
        "order_lines": models.OrderLine.objects.count(),
    }


def timed(fn, repeat: int = 3) -> tuple[float, int]:
    """Median milliseconds of ``fn()`` and the queries of one call."""
    times = []
    queries = 0
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        queries = len(ctx.captured_queries)
    return statistics.median(times), queries


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


def main() -> None:
    scale = int(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("BENCH_SCALE", "100"))
    print(f"Generating classicmodels × {scale} on {connection.vendor}…")
    started = time.perf_counter()
    sizes = generate(scale)
    generate_s = time.perf_counter() - started
    print(f"  {sizes} in {generate_s:.1f}s")

    settings = models.SalesSettings.current()
    as_of = as_of_date(settings)
    flt = SalesFilter()
    year = as_of.year
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
        "demand_trend": lambda: products.demand_trend(settings, flt, as_of),
        "cross_sell_pairs": lambda: products.cross_sell_pairs(settings, flt, as_of),
        "customers_abc": lambda: abc.customers_abc(settings, flt),
        "products_abc": lambda: abc.products_abc(settings, flt),
        "reps_abc+organisation": lambda: organisation.sales_organisation(
            settings, flt, abc.reps_abc(settings, flt)
        ),
        "BASELINE python revenue by year": lambda: baseline_revenue_by_year(settings),
    }
    results: dict = {"scale": scale, "sizes": sizes, "generate_s": round(generate_s, 1)}
    print(f"\n{'analytic':<34}{'ms':>10}{'queries':>9}")
    analytic_ms = {}
    for name, fn in analytics.items():
        ms, queries = timed(fn)
        analytic_ms[name] = round(ms, 1)
        print(f"{name:<34}{ms:>10.1f}{queries:>9}")
    sql_kpis = analytic_ms["executive_kpis"]
    base = analytic_ms["BASELINE python revenue by year"]
    print(f"\nbaseline ÷ executive_kpis (SQL aggregation): {base / sql_kpis:.1f}×")

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
    }
    page_ms = {}
    print(f"\n{'page':<34}{'ms':>10}{'queries':>9}{'budget':>9}")
    for name, url in pages.items():
        client.get(url)  # warm-up

        def get(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        ms, queries = timed(get)
        page_ms[name] = round(ms, 1)
        budget = 300 if scale <= 1 else 1500
        print(f"{name:<34}{ms:>10.1f}{queries:>9}{'ok' if ms < budget else 'OVER':>9}")
    results.update(analytics_ms=analytic_ms, pages_ms=page_ms)
    results["baseline_ratio"] = round(base / sql_kpis, 1)

    path = ROOT / "bench" / "results.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data["sales"] = results
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print("\nWrote bench/results.json (key 'sales').")


if __name__ == "__main__":
    main()
