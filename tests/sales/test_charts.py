"""Axis titles reach plotly.js in the form it reads.

The sales charts hand their layout to plotly.js without plotly.py's checks (see
``sales.charts.html``). plotly.js 3 (bundled by plotly 6 and later) dropped the old
``"title": "text"`` shorthand: a title in that form is not drawn.
"""

import re

from sales import charts

STRING_TITLE = re.compile(r'"title":"')


def test_monthly_revenue_axis_is_titled():
    html = charts.monthly_revenue_chart([{"year": 2004, "month": 1, "revenue": 10}])
    assert '"yaxis":{"title":{"text":"Revenue"}' in html
    assert not STRING_TITLE.search(html)


def test_credit_scatter_axes_are_titled():
    rows = [{"status": "aligned", "revenue": 10, "credit_limit": 20, "customer_name": "A"}]
    html = charts.credit_scatter(rows)
    assert '"xaxis":{"title":{"text":"Revenue"}}' in html
    assert '"yaxis":{"title":{"text":"Credit limit"}}' in html
    assert not STRING_TITLE.search(html)


def test_territory_and_rfm_axes_are_titled():
    territory = charts.territory_chart([{"name": "EMEA", "revenue": 10}])
    tiers = [{"tier": t, "customers": 1, "revenue": 5} for t in ("Top", "High", "Mid", "Low")]
    rfm = charts.rfm_chart(tiers)
    assert '"yaxis":{"title":{"text":"Revenue"}}' in territory
    assert '"yaxis":{"title":{"text":"Customers"}}' in rfm
    assert not STRING_TITLE.search(territory + rfm)
