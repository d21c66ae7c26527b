"""The year the KPI cards show by default is the latest year with an order they count."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.sales.factories import CustomerFactory, OrderFactory, OrderLineFactory


@pytest.fixture
def last_order_does_not_count(db):
    """A shipped order in 2024; the data's latest orders, in 2025, do not count: one is
    Cancelled, the other has no lines. Unset, the as-of date is 2025-01-20 all the same."""
    customer = CustomerFactory()
    OrderLineFactory(
        order=OrderFactory(order_date=dt.date(2024, 6, 1), customer=customer),
        quantity_ordered=3,
        price_each=Decimal("40.00"),
    )
    OrderLineFactory(
        order=OrderFactory(order_date=dt.date(2025, 1, 10), status="Cancelled", customer=customer),
        quantity_ordered=5,
        price_each=Decimal("10.00"),
    )
    OrderFactory(order_date=dt.date(2025, 1, 20), status="In Process", customer=customer)


def test_api_kpis_default_to_the_latest_year_with_a_counted_order(
    last_order_does_not_count, client_for, manager
):
    body = client_for(manager).get("/api/sales/kpis").json()
    assert body["year"] == 2024
    assert body["revenue"] == 3 * 40.0
    assert body["orders"] == 1
    # 2024 is over at the as-of date: the whole year is compared, not a year to date
    assert body["period"]["year_to_date"] is False
    assert body["yoy"]["revenue"] is None  # no 2023 in the data


def test_executive_cards_default_to_the_latest_year_with_a_counted_order(
    last_order_does_not_count, client_for, manager
):
    response = client_for(manager).get(reverse("sales:executive"))
    assert response.context["kpi_year"] == 2024
    cards = {card["key"]: card for card in response.context["cards"]}
    assert cards["revenue"]["value"] == Decimal("120.00")
    assert cards["orders"]["value"] == 1
