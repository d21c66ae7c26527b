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


def test_monthly_revenue_months_run_january_to_december_whatever_the_first_month():
    """Data starting in July: plotly ordered the axis Jul, Nov, Mar, so the second year's
    line ran from the right edge back to the left."""
    rows = [
        {"year": 2023, "month": 7, "revenue": 10},
        {"year": 2023, "month": 11, "revenue": 20},
        {"year": 2024, "month": 3, "revenue": 30},
        {"year": 2024, "month": 7, "revenue": 40},
    ]
    html = charts.monthly_revenue_chart(rows)
    months = '["Jan","Feb","Mar","Apr","May","Jun","Jul","Aug","Sep","Oct","Nov","Dec"]'
    assert f'"xaxis":{{"categoryorder":"array","categoryarray":{months}}}' in html


def test_a_month_without_revenue_is_charted_at_zero_not_drawn_across():
    rows = [
        {"year": 2023, "month": 10, "revenue": 10},
        {"year": 2024, "month": 2, "revenue": 20},
        {"year": 2024, "month": 5, "revenue": 50},
    ]
    html = charts.monthly_revenue_chart(rows)
    # 2023 from its first month to December; 2024 from January to its last month
    assert '"name":"2023","x":["Oct","Nov","Dec"],"y":[10.0,0.0,0.0]' in html
    assert '"name":"2024","x":["Jan","Feb","Mar","Apr","May"],"y":[0.0,20.0,0.0,0.0,50.0]' in html


def test_credit_scatter_axes_are_titled():
    rows = [{"status": "aligned", "revenue": 10, "credit_limit": 20, "customer_name": "A"}]
    html = charts.credit_scatter(rows)
    assert '"xaxis":{"title":{"text":"Revenue"},"tickprefix":"$"}' in html
    assert '"yaxis":{"title":{"text":"Credit limit"},"tickprefix":"$"}' in html
    assert not STRING_TITLE.search(html)


def test_territory_and_rfm_axes_are_titled():
    territory = charts.territory_chart([{"name": "EMEA", "revenue": 10}])
    tiers = [{"tier": t, "customers": 1, "revenue": 5} for t in ("Top", "High", "Mid", "Low")]
    rfm = charts.rfm_chart(tiers)
    assert '"yaxis":{"title":{"text":"Revenue"},"tickprefix":"$"}' in territory
    assert '"yaxis":{"title":{"text":"Customers"}}' in rfm
    assert not STRING_TITLE.search(territory + rfm)


def test_tiers_and_statuses_are_the_colours_of_their_pills():
    # the light theme's --ok, --medium, --high and --critical (static/css/fleetops.css),
    # the colours of the pills these values get in the tables
    tiers = [{"tier": t, "customers": 1, "revenue": 5} for t in ("Top", "High", "Mid", "Low")]
    assert '"marker":{"color":["#2e7d32","#2e7d32","#f9a825","#ef6c00"]}' in charts.rfm_chart(tiers)
    rows = [
        {"status": status, "revenue": 1, "credit_limit": 2, "customer_name": "A"}
        for status in ("over-credited", "under-credited")
    ]
    html = charts.credit_scatter(rows)
    assert '"marker":{"color":"#f9a825","size":8},"mode":"markers","name":"over-credited"' in html
    assert '"marker":{"color":"#c62828","size":8},"mode":"markers","name":"under-credited"' in html
