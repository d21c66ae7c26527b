"""What a manager reads on the sales pages is labelled: the period each panel covers, money
in dollars, what a chart's bars measure, a word when the filters match nothing, and
country choices that belong to the selected territory.

Expected figures are worked out by hand from the classicmodels CSVs (orders from
2003-01-06 to 2005-05-31, the as-of date; Cancelled orders left out).
"""

import re

import pytest
from django.urls import reverse

from sales import charts
from tests.sales.csvfigures import counted_orders, revenue
from tests.sales.factories import (
    CustomerFactory,
    EmployeeFactory,
    OfficeFactory,
    OrderFactory,
    OrderLineFactory,
)

ALL_YEARS = "All years: 2003 to 31 May 2005"


def periods(html: str) -> list[str]:
    return re.findall(r'<span class="period" data-testid="period">([^<]*)</span>', html)


def option_values(html: str, name: str) -> list[str]:
    """The options offered (not hidden) by the filter form's select ``name``."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return re.findall(r"<option(?![^>]*\bhidden\b)[^>]*>([^<]*)</option>", select)


def test_with_all_years_every_executive_panel_says_which_period_it_covers(
    classicmodels, client_for, manager
):
    body = client_for(manager).get(reverse("sales:executive")).content.decode()
    # the KPI cards need one year: they say they show the latest, and that the rest don't
    kpi_note = re.search(r'<p class="kpi-period"[^>]*>(.*?)</p>', body, re.S).group(1)
    assert "the latest year with orders, 2005 to 31 May vs 2004 to 31 May" in kpi_note
    assert ALL_YEARS in kpi_note
    # monthly chart, product-line chart, product-line table, monthly table
    assert periods(body) == [ALL_YEARS] * 4
    # Classic Cars over all years: the sum of its lines' quantity × price, from the files
    assert f"${revenue(counted_orders(), 'Classic Cars'):,.2f}</td>" in body


def test_a_selected_year_labels_every_panel_with_that_year(classicmodels, client_for, manager):
    client = client_for(manager)
    body = client.get(reverse("sales:executive") + "?year=2004").content.decode()
    assert periods(body) == ["2004"] * 4
    assert "the latest year" not in body
    body = client.get(reverse("sales:executive") + "?year=2005").content.decode()
    assert periods(body) == ["2005 to 31 May"] * 4  # the as-of date cuts the year short


@pytest.mark.parametrize(
    ("page_name", "panels"),
    [
        ("sales:regional", 4),  # map, territory chart, territory table, country table
        ("sales:risks", 6),  # credit chart, on-time chart, four tables
        ("sales:deep_dive", 5),  # customers, products, reps, organisation (cards, table)
    ],
)
def test_the_other_pages_label_their_panels_too(
    classicmodels, client_for, manager, page_name, panels
):
    body = client_for(manager).get(reverse(page_name)).content.decode()
    assert periods(body) == [ALL_YEARS] * panels


def test_opportunities_panels_name_their_own_windows(classicmodels, client_for, manager):
    body = client_for(manager).get(reverse("sales:opportunities") + "?year=2004").content.decode()
    history = "Customer history to 2004-12-31"
    # RFM chart, tiers, overdue, churn, cross-sell (that year's orders), demand, RFM table
    assert periods(body) == [
        history,
        history,
        history,
        history,
        "Orders of 2004",
        "Last 365 days to 2004-12-31 vs the 365 days before",
        history,
    ]


def test_money_in_the_tables_is_in_dollars_and_the_csv_keeps_plain_numbers(
    classicmodels, client_for, manager
):
    client = client_for(manager)
    body = client.get(reverse("sales:executive") + "?year=2004").content.decode()
    # the product-line table's revenue (a bar cell) and the KPI card share one format
    rows = re.findall(r'<td class="num bar"[^>]*>([^<]*)</td>', body)
    assert rows and all(cell.startswith("$") for cell in rows)
    # the regional tables: revenue (bars) and average order value; no other column of
    # theirs has two decimals
    body = client.get(reverse("sales:regional")).content.decode()
    amounts = re.findall(r'<td class="num[^"]*" data-v="[^"]*"[^>]*>([^<]*\d\.\d\d)</td>', body)
    assert amounts and all(a.startswith("$") for a in amounts), amounts
    csv_body = b"".join(
        client.get(reverse("sales:executive") + "?export=product_lines").streaming_content
    ).decode("utf-8-sig")
    assert f"Classic Cars,{revenue(counted_orders(), 'Classic Cars')}," in csv_body


def test_negative_money_has_its_sign_before_the_dollar():
    from sales.templatetags.sales_tags import cell_html, dollars

    assert dollars(-1234.5) == "-$1,234.50"
    assert (
        cell_html({"v": 1234.5}, "v", "money") == '<td class="num" data-v="1234.5">$1,234.50</td>'
    )


def test_rfm_bars_are_labelled_with_the_customer_counts_they_measure():
    tiers = [
        {"tier": "Top", "customers": 16, "revenue": 3273503.76},
        {"tier": "High", "customers": 1, "revenue": 1406109.37},
    ]
    html = charts.rfm_chart(tiers)
    assert '"text":["16 customers","1 customer"]' in html
    assert "3,273,504" not in html  # the revenue is no bar label...
    assert "Revenue $%{customdata:,.2f}" in html  # ...but in the hover, said to be revenue
    assert '"customdata":[3273503.76,1406109.37]' in html


def test_filters_that_match_nothing_say_so(classicmodels, client_for, manager):
    client = client_for(manager)
    body = client.get(reverse("sales:executive") + "?territory=EMEA&country=USA").content.decode()
    note = re.search(r'<div class="no-match"[^>]*>(.*?)</div>', body, re.S).group(1)
    assert "Nothing matches these filters" in note
    assert "USA has no customers in territory EMEA (its customers are in NA)" in note
    assert 'href="?country=USA"' in note  # drop the territory, keep the country
    assert 'data-kpi="revenue"' not in body  # no card of zeros with "no prior period"
    # a filter that matches keeps the page as it was
    body = client.get(reverse("sales:executive") + "?territory=NA&country=USA").content.decode()
    assert 'class="no-match"' not in body and 'data-kpi="revenue"' in body


def test_a_year_with_no_order_in_a_country_says_so(classicmodels, client_for, manager):
    # Hong Kong's customers ordered in 2003 only
    body = (
        client_for(manager)
        .get(reverse("sales:regional") + "?year=2005&country=Hong+Kong")
        .content.decode()
    )
    note = re.search(r'<div class="no-match"[^>]*>(.*?)</div>', body, re.S).group(1)
    assert "Nothing matches these filters" in note and "no order counts" in note


def test_country_choices_narrow_to_the_selected_territory(classicmodels, client_for, manager):
    client = client_for(manager)
    body = client.get(reverse("sales:regional") + "?territory=EMEA").content.decode()
    # customers whose sales rep works in an EMEA office (offices 4 Paris and 7 London)
    assert option_values(body, "country") == [
        "All",
        "Austria",
        "Belgium",
        "Denmark",
        "Finland",
        "France",
        "Germany",
        "Ireland",
        "Italy",
        "Norway",
        "Spain",
        "Sweden",
        "Switzerland",
        "UK",
    ]
    # every option says its territories, so the page narrows the list as one picks one
    assert '<option value="Singapore" data-territories="APAC Japan Unassigned">Singapore<' in (
        client.get(reverse("sales:regional")).content.decode()
    )


def test_a_selected_country_outside_the_territory_stays_selected_and_flagged(
    classicmodels, client_for, manager
):
    body = (
        client_for(manager)
        .get(reverse("sales:regional") + "?territory=EMEA&country=USA")
        .content.decode()
    )
    assert '<option value="USA" data-territories="NA" selected>USA (not in EMEA)</option>' in body


def test_a_territory_beyond_the_documented_four_can_be_chosen(db, client_for, manager):
    """An office in territory LATAM: its revenue was on the Regional page, but the
    territory filter offered only NA, EMEA, APAC, Japan and Unassigned."""
    office = OfficeFactory(office_code="9", city="São Paulo", country="Brazil", territory="LATAM")
    customer = CustomerFactory(country="Brazil", sales_rep=EmployeeFactory(office=office))
    OrderLineFactory(order=OrderFactory(customer=customer))

    body = client_for(manager).get(reverse("sales:regional")).content.decode()

    assert option_values(body, "territory") == [
        "All",
        "NA",
        "EMEA",
        "APAC",
        "Japan",
        "LATAM",
        "Unassigned",
    ]
