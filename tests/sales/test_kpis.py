"""Executive KPIs against sums computed independently from the CSV files."""

import csv
import datetime as dt
import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.urls import reverse

from sales.selectors.base import SalesFilter, as_of_date, periods_for
from sales.selectors.kpis import executive_kpis
from tests.sales.conftest import DEMO_DIR
from tests.sales.factories import (
    CustomerFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
)


def _csv(name):
    with open(DEMO_DIR / f"{name}.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def expected_from_csv(year: int) -> dict:
    """Straight from the files: non-cancelled orders placed in ``year``."""
    orders = {
        o["orderNumber"]: o
        for o in _csv("orders")
        if o["orderDate"].startswith(str(year)) and o["status"] != "Cancelled"
    }
    revenue = Decimal("0")
    with_lines = set()
    for line in _csv("orderdetails"):
        if line["orderNumber"] in orders:
            revenue += int(line["quantityOrdered"]) * Decimal(line["priceEach"])
            with_lines.add(line["orderNumber"])
    customers = {orders[n]["customerNumber"] for n in with_lines}
    shipped = [o for o in orders.values() if o["shippedDate"]]
    on_time = [o for o in shipped if o["shippedDate"] <= o["requiredDate"]]
    return {
        "revenue": revenue,
        "orders": len(with_lines),
        "customers": len(customers),
        "aov": (revenue / len(with_lines)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
        "on_time_rate": len(on_time) / len(shipped),
    }


@pytest.mark.parametrize("year", [2003, 2004, 2005])
def test_kpis_match_independent_sums_from_the_csv_files(classicmodels, sales_settings, year):
    expected = expected_from_csv(year)
    k = executive_kpis(sales_settings, SalesFilter(), year, as_of_date(sales_settings))
    assert k["revenue"] == expected["revenue"]
    assert k["orders"] == expected["orders"]
    assert k["customers"] == expected["customers"]
    assert k["aov"] == expected["aov"]
    assert k["on_time_rate"] == pytest.approx(expected["on_time_rate"])


def test_kpi_revenue_agrees_with_the_order_lines_summed_in_the_database(
    classicmodels, sales_settings
):
    """A second method: the loaded order lines themselves, not the order-totals read model
    the KPIs read; and the as-of date is the latest order of the files."""
    from django.db.models import F, Sum

    from sales.models import OrderLine
    from tests.sales.csvfigures import latest_order_date

    as_of = as_of_date(sales_settings)
    assert as_of == dt.date.fromisoformat(latest_order_date())
    for year in (2003, 2004, 2005):
        lines = OrderLine.objects.filter(order__order_date__year=year).exclude(
            order__status="Cancelled"
        )
        summed = lines.aggregate(r=Sum(F("quantity_ordered") * F("price_each")))["r"]
        k = executive_kpis(sales_settings, SalesFilter(), year, as_of)
        assert k["revenue"] == summed, year


def test_yoy_of_2005_compares_2004_to_the_same_day(classicmodels, sales_settings):
    as_of = as_of_date(sales_settings)
    k = executive_kpis(sales_settings, SalesFilter(), 2005, as_of)
    revenue_ytd_2004 = Decimal("0")
    orders = {
        o["orderNumber"]
        for o in _csv("orders")
        if "2004-01-01" <= o["orderDate"] <= "2004-05-31" and o["status"] != "Cancelled"
    }
    per_order = defaultdict(Decimal)
    for line in _csv("orderdetails"):
        if line["orderNumber"] in orders:
            per_order[line["orderNumber"]] += int(line["quantityOrdered"]) * Decimal(
                line["priceEach"]
            )
    revenue_ytd_2004 = sum(per_order.values())
    assert k["prior"]["revenue"] == revenue_ytd_2004
    assert k["yoy"]["revenue"] == pytest.approx(
        float((k["revenue"] - revenue_ytd_2004) / revenue_ytd_2004)
    )


def test_periods_use_year_to_date_only_for_an_incomplete_year():
    p = periods_for(2005, dt.date(2005, 5, 31))
    assert p.year_to_date and (p.start, p.end) == (dt.date(2005, 1, 1), dt.date(2005, 5, 31))
    assert (p.prior_start, p.prior_end) == (dt.date(2004, 1, 1), dt.date(2004, 5, 31))
    full = periods_for(2004, dt.date(2005, 5, 31))
    assert not full.year_to_date and full.prior_end == dt.date(2003, 12, 31)
    leap = periods_for(2024, dt.date(2024, 2, 29))
    assert leap.prior_end == dt.date(2023, 2, 28)


def test_yoy_ytd_ignores_prior_year_orders_after_the_as_of_day(db, sales_settings):
    OrderLineFactory(order=OrderFactory(order_date=dt.date(2004, 2, 1)), price_each=100)
    OrderLineFactory(order=OrderFactory(order_date=dt.date(2004, 9, 1)), price_each=900)
    OrderLineFactory(order=OrderFactory(order_date=dt.date(2005, 2, 10)), price_each=150)
    OrderLineFactory(order=OrderFactory(order_date=dt.date(2005, 3, 1), status="Cancelled"))
    k = executive_kpis(sales_settings, SalesFilter(), 2005, as_of_date(sales_settings))
    assert k["periods"].year_to_date
    assert k["prior"]["revenue"] == Decimal("100.00")  # the September order is outside the span
    assert k["yoy"]["revenue"] == pytest.approx(0.5)
    assert k["yoy"]["orders"] == pytest.approx(0.0)
    full = executive_kpis(sales_settings, SalesFilter(), 2004, as_of_date(sales_settings))
    assert full["revenue"] == Decimal("1000.00")


def test_excluded_statuses_are_configurable(db, sales_settings):
    OrderLineFactory(order=OrderFactory(order_date=dt.date(2004, 2, 1), status="On Hold"))
    OrderLineFactory(order=OrderFactory(order_date=dt.date(2004, 3, 1)))
    sales_settings.excluded_statuses = "Cancelled, On Hold"
    k = executive_kpis(sales_settings, SalesFilter(), 2004, dt.date(2004, 12, 31))
    assert (k["revenue"], k["orders"]) == (Decimal("100.00"), 1)


def test_as_of_setting_makes_a_year_incomplete(classicmodels, sales_settings):
    sales_settings.as_of_date = dt.date(2004, 6, 30)
    as_of = as_of_date(sales_settings)
    k = executive_kpis(sales_settings, SalesFilter(), 2004, as_of)
    assert k["periods"].year_to_date and k["periods"].prior_end == dt.date(2003, 6, 30)
    expected = sum(
        (
            int(line["quantityOrdered"]) * Decimal(line["priceEach"])
            for line in _csv("orderdetails")
            if line["orderNumber"]
            in {
                o["orderNumber"]
                for o in _csv("orders")
                if "2004-01-01" <= o["orderDate"] <= "2004-06-30" and o["status"] != "Cancelled"
            }
        ),
        Decimal("0"),
    )
    assert k["revenue"] == expected


def test_filters_match_the_csv_for_a_product_line_and_a_territory(classicmodels, sales_settings):
    products = {p["productCode"]: p["productLine"] for p in _csv("products")}
    offices = {o["officeCode"]: o["territory"] for o in _csv("offices")}
    reps = {e["employeeNumber"]: offices[e["officeCode"]] for e in _csv("employees")}
    territory = {
        c["customerNumber"]: reps.get(c["salesRepEmployeeNumber"], "Unassigned")
        for c in _csv("customers")
    }
    orders = {
        o["orderNumber"]: o
        for o in _csv("orders")
        if o["orderDate"].startswith("2004")
        and o["status"] != "Cancelled"
        and territory[o["customerNumber"]] == "EMEA"
    }
    revenue, with_lines = Decimal("0"), set()
    for line in _csv("orderdetails"):
        if line["orderNumber"] in orders and products[line["productCode"]] == "Motorcycles":
            revenue += int(line["quantityOrdered"]) * Decimal(line["priceEach"])
            with_lines.add(line["orderNumber"])
    flt = SalesFilter(territory="EMEA", product_line="Motorcycles")
    k = executive_kpis(sales_settings, flt, 2004, as_of_date(sales_settings))
    assert k["revenue"] == revenue
    assert k["orders"] == len(with_lines)
    assert k["customers"] == len({orders[n]["customerNumber"] for n in with_lines})


def _orders(*spec):
    """(order date, price) of one-line orders of one customer and one product."""
    customer, product = CustomerFactory(), ProductFactory()
    for day, price in spec:
        order = OrderFactory(customer=customer, order_date=day)
        OrderLineFactory(order=order, product=product, price_each=price)


def test_a_single_year_of_data_says_no_previous_year(db, client_for, manager):
    """Data of 2024 only: every card read "no prior period" beside "Prior: $0.00", and
    the page said year-over-year compares the same span of 2023."""
    _orders((dt.date(2024, 3, 1), 100), (dt.date(2024, 5, 1), 200))
    client = client_for(manager)

    body = client.get(reverse("sales:executive")).content.decode()

    assert body.count('<div class="delta muted">no previous year</div>') == 5
    assert "Prior:" not in body and "YoY" not in body
    note = re.search(r'<p class="kpi-period"[^>]*>(.*?)</p>', body, re.S).group(1)
    assert "The data has no previous year (its first order is on 1 Mar 2024)" in note
    assert "compares the same span of the prior year" not in note
    kpi = client.get("/api/sales/kpis").json()
    assert (kpi["year"], kpi["revenue"], kpi["has_previous_year"]) == (2024, 300.0, False)
    assert set(kpi["yoy"].values()) == {None}
    assert kpi["period"] == {
        "start": "2024-01-01",
        "end": "2024-05-01",  # the as-of date: the latest order
        "prior_start": "2023-01-01",
        "prior_end": "2023-05-01",
        "year_to_date": True,
    }


def test_a_prior_year_the_data_covers_only_in_part_is_said(db, client_for, manager):
    """Data from 15 Jul 2023: 2024 to 1 Sep (200) vs 2023 to 1 Sep (100) is +100%, with a
    word that the prior period has orders from 15 Jul only."""
    _orders((dt.date(2023, 7, 15), 100), (dt.date(2024, 3, 1), 100), (dt.date(2024, 9, 1), 100))

    body = client_for(manager).get(reverse("sales:executive")).content.decode()

    assert "▲ +100.0% YoY" in body and "Prior: $100.00." in body
    assert "The data starts on 15 Jul 2023: the prior period has orders from that day only" in (
        body
    )


def test_a_prior_year_zero_for_the_filters_is_not_called_a_missing_year(db, client_for, manager):
    """The data has 2023, the selected country only 2024: the prior figure is zero."""
    _orders((dt.date(2023, 2, 1), 100))
    order = OrderFactory(customer=CustomerFactory(country="Norway"), order_date=dt.date(2024, 2, 1))
    OrderLineFactory(order=order)

    body = client_for(manager).get(reverse("sales:executive") + "?country=Norway").content.decode()

    assert body.count('<div class="delta muted">no prior-year figure</div>') == 5
    assert 'data-testid="no-previous-year"' not in body and "Prior: $0.00." in body


def test_average_order_value_rounds_half_a_cent_up(db, sales_settings):
    """Orders of 100.00 and 0.25: AOV 100.25 / 2 = 50.125, shown 50.13 (half a cent up, as
    every FleetOps amount rounds), on the KPI card and per country alike; Decimal's
    default half-even made it 50.12."""
    from sales.selectors.regional import revenue_by_country

    _orders((dt.date(2004, 3, 1), Decimal("100.00")), (dt.date(2004, 4, 1), Decimal("0.25")))

    k = executive_kpis(sales_settings, SalesFilter(), 2004, as_of_date(sales_settings))
    (france,) = revenue_by_country(sales_settings, SalesFilter(year=2004))

    assert k["aov"] == Decimal("50.13")
    assert france["aov"] == Decimal("50.13")
