"""The five pages and the API: permissions per role, filters, CSV downloads, query counts."""

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse

from sales.views.common import TABLE_ROWS
from tests.sales.csvfigures import counted_orders, latest_order_date, revenue, with_lines
from tests.sales.csvfigures import rows as csv_rows
from tests.sales.factories import CustomerFactory, OrderFactory, OrderLineFactory

PAGES = (
    "sales:executive",
    "sales:regional",
    "sales:risks",
    "sales:opportunities",
    "sales:deep_dive",
)


@pytest.mark.parametrize("page_name", PAGES)
def test_only_managers_and_admins_see_the_pages(
    db, client_for, manager, clerk, outsider, triage_user, admin_user, page_name
):
    url = reverse(page_name)
    assert client_for(manager).get(url).status_code == 200
    assert client_for(admin_user).get(url).status_code == 200
    for user in (clerk, outsider, triage_user):
        assert client_for(user).get(url).status_code == 403


# Pinned: the page's own queries (those reading sales_ tables: settings, as-of date,
# filter options, then its analytics). A query per row would break these numbers.
# Queries of the shared page chrome (session, user, permissions, other apps' banners)
# are bounded separately so another app's change does not break this test.
# Line-level aggregates group by product code and read product names/lines in one small
# product query (executive, deep dive: +1, cheaper than joining every order line to its
# product); cross-sell reads each product's orders in one query instead of three line
# scans (opportunities: 4 -> 2 for cross-sell, +1 product query for the demand trend).
# Every page: +1 EXISTS (LIMIT 1) telling whether the filters match any counted order, so
# the page can say "Nothing matches these filters" (the country list's territories come
# with the countries, in the query that read them before).
# Executive: +1 for the data's first order date (whether it has a previous year).
SALES_QUERIES = {
    "sales:executive": 11,
    "sales:regional": 8,
    "sales:risks": 14,
    "sales:opportunities": 9,
    "sales:deep_dive": 13,
}
# Without a year selected, the Executive page reads +1: the latest counted order's date
# (the KPI cards' default year is not one whose only orders are Cancelled or have no lines).
SALES_QUERIES_NO_YEAR = {**SALES_QUERIES, "sales:executive": 12}
CHROME_QUERY_LIMIT = 8


@pytest.mark.parametrize("page_name", PAGES)
def test_query_count_per_page_is_bounded(classicmodels, client_for, manager, page_name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(manager)
    client.get(reverse(page_name))  # warm caches (content types, permissions)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(page_name) + "?year=2004&territory=EMEA")
    assert response.status_code == 200
    own = [q["sql"] for q in ctx.captured_queries if '"sales_' in q["sql"]]
    assert len(own) == SALES_QUERIES[page_name], own
    assert len(ctx.captured_queries) - len(own) <= CHROME_QUERY_LIMIT


@pytest.mark.parametrize("page_name", PAGES)
def test_page_query_count_does_not_grow_with_the_data(
    classicmodels, client_for, manager, page_name
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.sales.factories import OrderLineFactory

    OrderLineFactory.create_batch(30)  # 30 more customers, reps, offices, products, orders
    client = client_for(manager)
    client.get(reverse(page_name))
    with CaptureQueriesContext(connection) as ctx:
        client.get(reverse(page_name))
    own = [q for q in ctx.captured_queries if '"sales_' in q["sql"]]
    assert len(own) == SALES_QUERIES_NO_YEAR[page_name], [q["sql"][:80] for q in own]


def test_executive_page_shows_kpis_and_the_year_to_date_rule(classicmodels, client_for, manager):
    # worked out from the CSV files: the latest order (31 May 2005) is the as-of date, so
    # 2005 to 31 May is compared with 2004 to 31 May
    assert latest_order_date() == "2005-05-31"
    current = revenue(counted_orders("2005-01-01", "2005-05-31"))
    prior = revenue(counted_orders("2004-01-01", "2004-05-31"))
    body = client_for(manager).get(reverse("sales:executive")).content.decode()
    assert "2005 to 31 May vs 2004 to 31 May" in body
    assert f">${current:,.2f}<" in body  # 2005 revenue, in dollars like the other dashboards
    assert f"Prior: ${prior:,.2f}." in body
    assert f"▲ {float((current - prior) / prior):+.1%} YoY" in body
    assert "Excluded statuses" in body and "Cancelled" in body
    # the data's first order, 6 Jan 2003, is not news about the prior period of 2004
    body = client_for(manager).get(reverse("sales:executive") + "?year=2004").content.decode()
    assert "▲" in body and 'data-testid="prior-data-from"' not in body
    assert 'data-testid="no-previous-year"' not in body


def test_filters_live_in_the_url_and_apply_to_the_page(classicmodels, client_for, manager):
    client = client_for(manager)
    body = client.get(reverse("sales:regional") + "?country=France").content.decode()
    assert 'data-testid="country-filter"' in body
    csv_body = b"".join(
        client.get(reverse("sales:regional") + "?country=France&export=countries").streaming_content
    ).decode("utf-8-sig")
    lines = csv_body.strip().splitlines()
    assert lines[0].startswith("Name,Revenue") and len(lines) == 2
    french = {c["customerNumber"] for c in csv_rows("customers") if c["country"] == "France"}
    orders = {n: o for n, o in counted_orders().items() if o["customerNumber"] in french}
    assert lines[1].startswith(f"France,{revenue(orders)},")  # France's orders only


@pytest.mark.parametrize(
    ("page_name", "table"),
    [
        ("sales:executive", "product_lines"),
        ("sales:risks", "late"),
        ("sales:opportunities", "rfm"),
        ("sales:deep_dive", "customers"),
        ("sales:deep_dive", "reps"),
    ],
)
def test_tables_download_as_csv_with_every_row_of_the_table(
    classicmodels, client_for, manager, page_name, table
):
    client = client_for(manager)
    spec = client.get(reverse(page_name)).context["tables"][table]
    response = client.get(reverse(page_name) + f"?export={table}")
    assert response["Content-Type"].startswith("text/csv")
    assert f"sales-{table}.csv" in response["Content-Disposition"]
    header, *rows = csv.reader(
        io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))
    )
    assert header == [label for label, _, _ in spec.columns]
    # every row, not only the ones the page shows, in the table's order
    assert spec.rows and len(rows) == len(spec.rows)
    first_key = spec.columns[0][1]
    assert [row[0] for row in rows] == [str(r[first_key]) for r in spec.rows]


def test_deep_dive_filters_by_abc_class(classicmodels, client_for, manager):
    client = client_for(manager)
    rows = b"".join(
        client.get(reverse("sales:deep_dive") + "?abc=C&export=customers").streaming_content
    )
    lines = rows.decode("utf-8-sig").strip().splitlines()[1:]
    assert lines and all(",C," in line for line in lines)


def test_kpi_api_has_the_documented_shape(classicmodels, client_for, manager):
    data = client_for(manager).get("/api/sales/kpis?year=2004").json()
    assert set(data) == {
        "year",
        "revenue",
        "orders",
        "customers",
        "aov",
        "on_time_rate",
        "yoy",
        "period",
        "has_previous_year",
    }
    assert set(data["yoy"]) == {"revenue", "orders", "customers", "aov", "on_time_rate"}
    orders_2004 = counted_orders("2004-01-01", "2004-12-31")  # from the CSV files
    assert data["year"] == 2004 and data["revenue"] == float(revenue(orders_2004))
    assert data["orders"] == len(with_lines(orders_2004))
    assert data["period"] == {
        "start": "2004-01-01",
        "end": "2004-12-31",
        "prior_start": "2003-01-01",
        "prior_end": "2003-12-31",
        "year_to_date": False,
    }
    assert data["has_previous_year"] is True


def test_kpi_api_refuses_without_permission(classicmodels, client_for, clerk, client):
    assert client_for(clerk).get("/api/sales/kpis?year=2004").status_code == 403
    assert client.get("/api/sales/kpis?year=2004").status_code == 401


def test_map_uses_the_locally_served_topojson(classicmodels, client_for, manager):
    from django.contrib.staticfiles import finders

    body = client_for(manager).get(reverse("sales:regional")).content.decode()
    assert '"topojsonURL": "/static/sales/topojson/"' in body
    assert finders.find("sales/topojson/world_110m.json")
    assert "cdn.plot.ly" not in body


def test_managers_open_the_settings_form_and_clerks_are_refused(db, client_for, manager, clerk):
    """Saving a change is test_settings_admin.py's."""
    from sales.models import SalesSettings

    settings = SalesSettings.current()
    url = reverse("admin:sales_salessettings_change", args=[settings.pk])
    assert client_for(manager).get(url).status_code == 200
    assert client_for(clerk).get(url).status_code == 403


def test_table_cells_escape_text(db, client_for, manager):
    from tests.sales.factories import CustomerFactory, OrderFactory, OrderLineFactory

    customer = CustomerFactory(customer_name='<script>alert("x")</script>')
    OrderLineFactory(order=OrderFactory(customer=customer))
    body = client_for(manager).get(reverse("sales:deep_dive")).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in body
    assert '<script>alert("x")</script>' not in body


def test_risks_page_reports_orders_excluded_for_bad_dates(db, client_for, manager):
    import datetime as dt

    from tests.sales.factories import OrderFactory, OrderLineFactory

    OrderLineFactory(order=OrderFactory(order_date=dt.date(2004, 3, 1)))
    OrderLineFactory(
        order=OrderFactory(
            order_date=None, required_date=None, shipped_date=None, date_issue="orderDate missing"
        )
    )
    body = client_for(manager).get(reverse("sales:risks")).content.decode()
    assert 'data-testid="no-order-date">1<' in body
    assert "orderDate missing" in body


def test_deep_dive_sorts_the_whole_list_on_the_server(classicmodels, client_for, manager):
    client = client_for(manager)
    url = reverse("sales:deep_dive") + "?sort=credit_limit&export=customers"
    text = b"".join(client.get(url).streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    limits = [float(r["Credit limit"]) for r in rows]
    assert limits == sorted(limits)
    body = client.get(reverse("sales:deep_dive") + "?sort=-revenue").content.decode()
    assert 'aria-sort="descending"' in body and "sort=revenue" in body


def test_long_tables_show_their_first_rows_until_asked_for_all(classicmodels, client_for, manager):
    """The RFM table lists every customer with orders (98 in classicmodels)."""
    client = client_for(manager)
    url = reverse("sales:opportunities")
    csv_lines = b"".join(client.get(url + "?export=rfm").streaming_content)
    total = len(csv_lines.decode("utf-8-sig").strip().splitlines()) - 1  # the CSV: every row
    assert total > TABLE_ROWS
    page = client.get(url).context["tables"]["rfm"]
    assert len(page.shown) == TABLE_ROWS and page.truncated
    html = client.get(url).content.decode()
    assert f"Showing the first {TABLE_ROWS} of {total} rows" in html
    assert f'href="?rows=rfm#table-rfm">show all {total}</a>' in html
    expanded = client.get(url + "?rows=rfm").context["tables"]
    assert len(expanded["rfm"].shown) == total and not expanded["rfm"].truncated
    assert expanded["churn"].limit == TABLE_ROWS  # the others stay short


@pytest.mark.parametrize("year", ["²⁰⁰⁴", "①", "２００４"])
def test_a_year_in_other_unicode_digits_is_not_a_server_error(db, client_for, manager, year):
    """Superscripts pass str.isdigit() but int() refuses them: the page was a 500.
    Decimal digits of any script are a year (int() reads them); other digit signs not."""
    response = client_for(manager).get(reverse("sales:executive"), {"year": year})

    assert response.status_code == 200
    assert response.context["flt"].year == (2004 if year == "２００４" else None)


def test_late_and_unshipped_orders_name_their_customer_by_number_too(db, client_for, manager):
    """Two customers named "Mini Gifts" (USA and Spain) each with a late order: the
    tables showed the name only, so the two could not be told apart."""
    for number, country in ((201, "USA"), (202, "Spain")):
        customer = CustomerFactory(
            customer_number=number, customer_name="Mini Gifts", country=country
        )
        order = OrderFactory(
            order_number=number * 10,
            customer=customer,
            order_date=dt.date(2024, 3, 1),
            required_date=dt.date(2024, 3, 5),
            shipped_date=dt.date(2024, 3, 9) if number == 201 else None,
            status="Shipped" if number == 201 else "In Process",
        )
        OrderLineFactory(order=order)
    client = client_for(manager)

    expected = {"late": "2010,201,Mini Gifts,", "unshipped": "2020,202,Mini Gifts,"}
    for table, first_cells in expected.items():
        response = client.get(reverse("sales:risks"), {"export": table})
        lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()

        assert lines[0].startswith("Order,Customer,Name,Ordered")
        assert len(lines) == 2 and lines[1].startswith(first_cells)
