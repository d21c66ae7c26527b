"""Opportunities page edges: a selected year without orders still has the customer
history its panels read (up to the end of that year), and an empty database says so."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.sales.factories import CustomerFactory, OrderFactory, OrderLineFactory


@pytest.fixture
def gap_year(db):
    """Orders in 2021 and 2023, none in 2022: as at the end of 2022 the history holds
    the two 2021 orders of ``early``."""
    early, late = CustomerFactory(), CustomerFactory()
    for day, customer, price in (
        (dt.date(2021, 3, 1), early, Decimal("120.00")),
        (dt.date(2021, 9, 1), early, Decimal("80.00")),
        (dt.date(2023, 2, 1), late, Decimal("50.00")),
    ):
        OrderLineFactory(
            order=OrderFactory(order_date=day, customer=customer),
            price_each=price,
            quantity_ordered=2,
        )
    return early, late


def test_a_year_without_orders_still_shows_the_history_its_panels_read(
    gap_year, client_for, manager
):
    early, _ = gap_year
    response = client_for(manager).get(reverse("sales:opportunities") + "?year=2022")
    body = response.content.decode()
    # the panels read the history to 2022-12-31: early's two 2021 orders (2 × 120 + 2 × 80)
    rfm = response.context["tables"]["rfm"].rows
    assert [(r["customer_number"], r["orders"], r["revenue"]) for r in rfm] == [
        (early.customer_number, 2, Decimal("400.00"))
    ]
    assert rfm[0]["recency_days"] == (dt.date(2022, 12, 31) - dt.date(2021, 9, 1)).days
    # so the page must not say every figure is zero, nor hide the RFM chart
    assert 'data-testid="no-match"' not in body
    assert "Nothing to chart for these filters." not in body


def test_a_year_before_any_history_still_says_nothing_matches(gap_year, client_for, manager):
    body = client_for(manager).get(reverse("sales:opportunities") + "?year=2020").content.decode()
    assert 'data-testid="no-match"' in body
    assert "Nothing to chart for these filters." in body


def test_an_empty_database_says_there_is_no_customer_history(db, client_for, manager):
    body = client_for(manager).get(reverse("sales:opportunities")).content.decode()
    assert "No customer history: no order is loaded yet." in body
    assert "Customer history up to ." not in body
    assert "Customer history up to" not in body
