"""The invoices dashboard page: figures, drill-through links, a bounded number of queries."""

import pytest
from django.urls import reverse

from invoices.selectors import invoices_for_vin
from tests.invoices.conftest import VIN_1

pytestmark = pytest.mark.django_db


def test_dashboard_shows_figures_with_drill_through(
    dataset, client_for, manager, django_assert_max_num_queries
):
    client = client_for(manager)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("invoices:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-kpi="invoices">3<' in html
    assert 'data-kpi="revenue">$385<' in html  # 205 + 100 + 80
    assert 'data-kpi="quality">66.7%<' in html  # 2 of 3 invoices clean
    assert "/admin/invoices/rawinvoice/?status__exact=failed" in html
    assert "/admin/invoices/lineitem/?customer=ACME+HAULING" in html
    assert "/admin/invoices/invoiceissue/?kind__exact=subtotal_mismatch" in html
    assert 'id="chart-revenue"' in html and "vendor/plotly.min.js" in html
    assert "cdn.plot.ly" not in html


def test_dashboard_without_data(client_for, manager):
    response = client_for(manager).get(reverse("invoices:dashboard"))
    assert response.status_code == 200 and b"No line items yet" in response.content


def test_invoices_for_vin_lists_the_units_invoices(dataset):
    failed, row = invoices_for_vin(VIN_1.lower())  # the failed D1 keeps its VIN and date
    assert set(row) == {"primary_key", "invoice_number", "invoice_date", "total", "url"}
    assert row["primary_key"] == "A1" and row["url"].startswith("/admin/invoices/rawinvoice/")
    assert (failed["primary_key"], failed["total"]) == ("D1", None)
    assert invoices_for_vin("") == [] and invoices_for_vin("NOPE") == []


def test_revenue_by_line_type_and_month(dataset):
    import datetime as dt
    from decimal import Decimal as D

    from invoices.selectors import revenue_by_type_and_month

    rows = {(r["month"], r["line_type"]): r["amount"] for r in revenue_by_type_and_month()}
    june, july = dt.date(2025, 6, 1), dt.date(2025, 7, 1)
    assert rows == {
        (june, "LABOR"): D("100.00"),
        (june, "PART"): D("100.00"),
        (june, "SUPPLY"): D("5.00"),
        (july, "LABOR"): D("130.00"),
        (july, "PART"): D("50.00"),
    }
