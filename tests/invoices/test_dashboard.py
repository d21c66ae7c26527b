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


def test_dashboard_without_line_items_says_there_are_none(client_for, manager):
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


def _parts_dataset():
    """Parts with and without a part number; figures worked by hand in the tests below.

    P1: LED MARKER LAMP (no number) 2 x 10.00 (cost 6.00), GLADHAND SEAL (no number)
        1 x 5.00 (cost 3.00), and a lamp with shop number LML-9, 1 x 30.00 (cost 20.00).
    P2: LED MARKER LAMP (no number) 1 x 12.00 (cost 7.00), and a freight charge that reads
        "LED MARKER LAMP" too (its category says freight: a FREIGHT line, not a part).
    """
    from invoices.services import invoice_ingest
    from tests.invoices.payloads import complaint, correction, invoice, part

    lamp, seal = part("LED MARKER LAMP", 2, "10.00", "6.00"), part("GLADHAND SEAL", 1, "5", "3")
    numbered = part("LED MARKER LAMP", 1, "30.00", "20.00", shop="LML-9")
    freight = part("LED MARKER LAMP", 1, "4.00", category="Freight")
    p1 = invoice(
        "P1",
        complaints=[
            complaint(1, corrections=[correction(11, [lamp, seal]), correction(12, [numbered])])
        ],
        sub_total="55",
    )
    lamp_again = {**lamp, "quantity": 1, "sellingPrice": "12", "cost": "7"}
    p2 = invoice(
        "P2", complaints=[complaint(2, corrections=[correction(21, [lamp_again, freight])])],
        sub_total="16",
    )  # fmt: skip
    invoice_ingest(payloads=[p1, p2], source="parts")


def _lines(client, url) -> set:
    response = client.get(url)
    assert response.status_code == 200
    return {
        (r.invoice_number, r.line_type, str(r.amount)) for r in response.context["cl"].result_list
    }


def test_parts_links_list_exactly_the_lines_the_report_counts(client_for, manager):
    """A part without a number is its description: its link lists its part lines, not the
    numbered lamp or the freight line that share the description, nor the whole list."""
    _parts_dataset()
    client = client_for(manager)
    response = client.get(reverse("invoices:dashboard"))
    parts = {p["row"].part_key: p for p in response.context["data"]["parts"]}
    by_revenue = ["LED MARKER LAMP", "LML-9", "GLADHAND SEAL"]  # 32.00, 30.00, 5.00
    assert [p["row"].part_key for p in response.context["data"]["parts"]] == by_revenue
    lamp = parts["LED MARKER LAMP"]
    assert lamp["url"] == "/admin/invoices/lineitem/?part=LED+MARKER+LAMP&line_type__exact=PART"
    assert _lines(client, lamp["url"]) == {("NP1", "PART", "20.00"), ("NP2", "PART", "12.00")}
    assert _lines(client, parts["LML-9"]["url"]) == {("NP1", "PART", "30.00")}
    assert _lines(client, parts["GLADHAND SEAL"]["url"]) == {("NP1", "PART", "5.00")}
    # the row's figures are those lines': 2 lines, 3 used, 32.00 - 19.00 = 13.00, 40.6 %
    row = lamp["row"]
    assert (row.times_used, row.quantity, row.revenue, row.cost) == (2, 3, 32, 19)
    html = response.content.decode()
    assert "?part=LED+MARKER+LAMP&amp;line_type__exact=PART" in html and ">40.6%<" in html


def test_a_customer_without_a_name_links_to_its_own_lines(dataset, client_for, manager):
    from invoices.services import invoice_ingest
    from tests.invoices.payloads import complaint, invoice

    nameless = invoice(
        "N1", complaints=[complaint(9, labor="40", hours="1")], sub_total="40",
        customerTitle="", Customer={"customerId": 5, "title": ""},
    )  # fmt: skip
    invoice_ingest(payloads=[nameless], source="nameless")
    client = client_for(manager)
    customers = client.get(reverse("invoices:dashboard")).context["data"]["customers"]
    (none,) = [c for c in customers if c["row"].customer_title == ""]
    assert none["url"] == "/admin/invoices/lineitem/?customer="
    assert _lines(client, none["url"]) == {("NN1", "LABOR", "40.00")}  # not all 11 lines


def test_technician_links_list_that_technician_s_labor_lines(dataset, client_for, manager):
    client = client_for(manager)
    technicians = client.get(reverse("invoices:dashboard")).context["data"]["technicians"]
    urls = {t["row"].technician: t["url"] for t in technicians}
    # Ann: 60 % of A1's 100.00 and all of C1's 80.00; Bob 40.00; B1 had nobody assigned
    assert _lines(client, urls["Ann"]) == {("NA1", "LABOR", "60.00"), ("NC1", "LABOR", "80.00")}
    assert _lines(client, urls["Bob"]) == {("NA1", "LABOR", "40.00")}
    assert _lines(client, urls["Unassigned"]) == {("NB1", "LABOR", "50.00")}


@pytest.mark.parametrize(
    ("values", "low", "high", "step"),
    [([26.74, 25.79, None], 0, 100, 20),  # a margin: 0 % to 100 % in fifths
     ([79.23, 93.76, 130.0], 0, 150, 25),  # an efficiency past 100 %: quarters to 150 %
     ([-15.0, 40.0], -20, 100, 20),  # a part sold at a loss
     ([480.0], 0, 500, 100),
     ([], 0, 100, 20)],
)  # fmt: skip
def test_percentage_axes_have_round_ticks_and_hold_0_to_100(values, low, high, step):
    from invoices.charts import percent_axis

    axis = percent_axis(values, "Margin %")
    assert (axis["range"], axis["dtick"], axis["tick0"]) == ([low, high], step, 0)
    assert axis["tickmode"] == "linear" and axis["title"] == {"text": "Margin %"}


def test_right_hand_axes_are_titled_percentages_with_round_ticks(dataset, client_for, manager):
    """Not plotly's ticks lined up with the left axis' grid (0 / 6.3 / 12.7 / 19 / 25.4)."""
    import json
    import re

    html = client_for(manager).get(reverse("invoices:dashboard")).content.decode()
    for div_id, title in (("chart-parts", "Margin %"), ("chart-technicians", "Efficiency %")):
        call = re.search(
            rf'Plotly\.newPlot\(\s*"{div_id}",\s*(\[.*?\]),\s*(\{{.*?\}}),\s*\{{"', html, re.S
        )
        layout = json.loads(call.group(2))
        y2 = layout["yaxis2"]
        assert y2["title"]["text"] == title and y2["ticksuffix"] == "%"
        assert (y2["tickmode"], y2["tick0"], y2["range"]) == ("linear", 0, [0, 100])
        assert y2["dtick"] == 20  # a 40 % margin; efficiencies 50 %, 53.3 % and 80 %
        assert layout["yaxis"]["title"]["text"] in ("Revenue and cost ($)", "Hours")
