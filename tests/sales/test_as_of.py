"""The manual as-of date limits every page, selector and API figure: no order placed after
it counts anywhere, and a year after it is refused with a word on the page."""

import csv
import datetime as dt
import io
import itertools
import re
from collections import defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse

from sales.selectors import abc, kpis, regional, risk
from sales.selectors.base import SalesFilter
from tests.sales.conftest import DEMO_DIR
from tests.sales.factories import CustomerFactory, OrderFactory, OrderLineFactory, ProductFactory

AS_OF = dt.date(2024, 6, 30)


@pytest.fixture
def history(db, sales_settings):
    """One customer, one product at 100.00: orders before the as-of date worth 800 (2023)
    and 100 (2024-03), after it 200 (2024-09, not shipped) and 400 (2025-02)."""
    customer = CustomerFactory(country="France")
    product = ProductFactory()
    for day, quantity, shipped in (
        (dt.date(2023, 5, 1), 8, True),
        (dt.date(2024, 3, 1), 1, True),
        (dt.date(2024, 9, 1), 2, False),
        (dt.date(2025, 2, 1), 4, True),
    ):
        order = OrderFactory(customer=customer, order_date=day)
        if not shipped:
            order.shipped_date = None
            order.status = "In Process"
            order.save()
        OrderLineFactory(order=order, product=product, quantity_ordered=quantity)
    sales_settings.as_of_date = AS_OF
    sales_settings.save()
    return sales_settings


def test_no_selector_counts_an_order_placed_after_the_as_of_date(history):
    settings, everything = history, SalesFilter()
    before = Decimal("900.00")  # 800 + 100

    assert [(r["name"], r["revenue"], r["orders"]) for r in regional.revenue_by_country(
        settings, everything
    )] == [("France", before, 2)]  # fmt: skip
    assert [r["revenue"] for r in regional.revenue_by_territory(settings, everything)] == [before]
    assert risk.unshipped_orders(settings, everything, AS_OF) == []
    assert [r["revenue"] for r in risk.credit_misalignment(settings, everything)] == [before]
    assert [(r["year"], r["month"]) for r in kpis.monthly_revenue(settings, everything)] == [
        (2023, 5),
        (2024, 3),
    ]
    assert [r["revenue"] for r in kpis.revenue_by_product_line(settings, everything)] == [before]
    assert [r["revenue"] for r in abc.customers_abc(settings, everything)] == [before]
    assert [r["revenue"] for r in abc.products_abc(settings, everything)] == [before]
    assert [r["revenue"] for r in abc.reps_abc(settings, everything)] == [before]
    # the year of the as-of date runs to it: 2024 is March's 100 only
    assert [r["revenue"] for r in regional.revenue_by_country(settings, SalesFilter(2024))] == [
        Decimal("100.00")
    ]
    counts = risk.exclusions(settings)
    assert (counts["total"], counts["after_as_of"], counts["shipped_without_date"]) == (4, 2, 0)


def test_pages_refuse_a_year_after_the_as_of_date_and_say_so(history, client_for, manager):
    client = client_for(manager)

    response = client.get(reverse("sales:executive") + "?year=2025")

    assert response.context["flt"].year is None  # not 2025 vs 2024 (-59.2%)
    assert response.context["kpi_year"] == 2024
    assert response.context["periods"].end == AS_OF
    assert response.context["options"]["years"] == [2023, 2024]
    assert "2025 is after the as-of date (2024-06-30)" in response.content.decode()
    regional_page = client.get(reverse("sales:regional") + "?year=2025")
    assert [r["revenue"] for r in regional_page.context["tables"]["countries"].rows] == [
        Decimal("900.00")
    ]
    risks = client.get(reverse("sales:risks")).context
    assert risks["tables"]["unshipped"].rows == []
    assert risks["exclusions"]["after_as_of"] == 2


def test_the_api_refuses_a_year_after_the_as_of_date(history, client_for, manager):
    client = client_for(manager)
    for url in ("/api/sales/kpis", "/api/sales/regions", "/api/sales/abc/customers"):
        response = client.get(f"{url}?year=2025")
        assert response.status_code == 422, url
        assert "after the as-of date 2024-06-30" in response.content.decode()
    assert [r["revenue"] for r in client.get("/api/sales/regions").json()] == [900.0]
    kpi = client.get("/api/sales/kpis").json()
    assert (kpi["year"], kpi["revenue"], kpi["orders"]) == (2024, 100.0, 1)


def test_the_cross_sell_csv_has_every_pair(classicmodels, sales_settings, client_for, manager):
    """It was cut at 50 pairs while the page said the CSV has them all."""
    sales_settings.crosssell_window_days = 0  # every order
    sales_settings.save()
    with open(DEMO_DIR / "orders.csv", newline="", encoding="utf-8") as handle:
        counted = {o["orderNumber"] for o in csv.DictReader(handle) if o["status"] != "Cancelled"}
    orders_of = defaultdict(set)
    with open(DEMO_DIR / "orderdetails.csv", newline="", encoding="utf-8") as handle:
        for line in csv.DictReader(handle):
            if line["orderNumber"] in counted:
                orders_of[line["productCode"]].add(line["orderNumber"])
    minimum = sales_settings.crosssell_min_orders
    pairs = sum(
        1
        for a, b in itertools.combinations(orders_of, 2)
        if len(orders_of[a] & orders_of[b]) >= minimum
    )
    assert pairs > 50

    response = client_for(manager).get(reverse("sales:opportunities") + "?export=cross_sell")

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(text)))) - 1 == pairs


@pytest.mark.parametrize(
    "page_name",
    ["sales:executive", "sales:regional", "sales:risks", "sales:opportunities", "sales:deep_dive"],
)
def test_an_as_of_date_before_the_first_order_is_named_as_the_reason_nothing_counts(
    history, client_for, manager, page_name
):
    """The page said "No order counts yet ... until sales data is loaded" with the data
    loaded: every order is after the as-of date."""
    history.as_of_date = dt.date(2020, 6, 30)
    history.save()
    client = client_for(manager)
    for query in ("", "?country=France"):
        body = client.get(reverse(page_name) + query).content.decode()

        note = re.search(r'<div class="no-match"[^>]*>(.*?)</div>', body, re.S).group(1)
        assert "until sales data is loaded" not in note
        assert "No order counts at the as-of date" in note
        # the history's first order is 2023-05-01
        assert "No order is dated on or before the as-of date (2020-06-30)" in note
        assert "the first is on 2023-05-01" in note


def test_an_as_of_date_after_the_last_order_shows_the_kpis_of_the_last_year_with_orders(
    db, sales_settings, client_for, manager
):
    """As of 2026-06-30 with the last order in 2024, the cards showed 2026 to 30 Jun: every
    figure zero, "no prior period", a year the year filter does not even offer."""
    product = ProductFactory()
    customer = CustomerFactory()
    for day, quantity in ((dt.date(2023, 5, 1), 8), (dt.date(2024, 3, 1), 1)):
        order = OrderFactory(customer=customer, order_date=day)
        OrderLineFactory(order=order, product=product, quantity_ordered=quantity)
    sales_settings.as_of_date = dt.date(2026, 6, 30)
    sales_settings.save()
    client = client_for(manager)

    context = client.get(reverse("sales:executive")).context

    assert context["kpi_year"] == 2024
    periods = context["periods"]
    assert not periods.year_to_date  # 2024 is over at the as-of date: the whole year
    assert (periods.start, periods.end) == (dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    cards = {c["key"]: c for c in context["cards"]}
    assert (cards["revenue"]["value"], cards["revenue"]["prior"]) == (Decimal("100.00"), 800)
    assert cards["revenue"]["yoy"] == pytest.approx((100 - 800) / 800)
    kpi = client.get("/api/sales/kpis").json()
    assert (kpi["year"], kpi["revenue"], kpi["orders"]) == (2024, 100.0, 1)
    assert kpi["yoy"]["revenue"] == pytest.approx(-0.875)
