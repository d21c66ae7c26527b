"""The Risks page's on-time trend counts the orders the on-time KPI counts."""

import datetime as dt

from sales.selectors.base import SalesFilter
from sales.selectors.kpis import executive_kpis
from sales.selectors.risk import on_time_trend
from tests.sales.factories import OrderFactory, OrderLineFactory


def test_an_order_without_lines_is_in_neither_the_on_time_kpi_nor_its_monthly_trend(
    db, sales_settings
):
    day = dt.date(2004, 3, 5)
    on_time = OrderLineFactory(order__order_date=day).order  # shipped 3 days before due
    late = OrderLineFactory(
        order__order_date=day, order__shipped_date=day + dt.timedelta(days=30)
    ).order
    OrderFactory(order_date=day, shipped_date=day + dt.timedelta(days=30))  # late, no lines
    assert on_time.shipped_date <= on_time.required_date < late.shipped_date

    trend = on_time_trend(sales_settings, SalesFilter())
    kpis = executive_kpis(sales_settings, SalesFilter(), 2004, None)

    # by hand: of the two orders with revenue, one shipped by its required date
    assert [(m["year"], m["month"], m["shipped"], m["on_time"]) for m in trend] == [(2004, 3, 2, 1)]
    assert trend[0]["rate"] == kpis["on_time_rate"] == 0.5
