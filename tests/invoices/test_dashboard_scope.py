"""The dashboard's date range and shop: every figure, chart and link counts the same invoices.

Five invoices, figures worked by hand:

    S1 2025-05-20 North ACME labor 100.00 (Ann, billed 1 h, clocked 2 h), 2 PAD at 25.00 (cost 10)
    S2 2025-06-10 North BETA labor 60.00 (Bob, billed 0.5 h, clocked 1 h), 1 FILTER 40.00 (cost 30)
    S3 2025-06-25 South ACME labor 80.00 (Ann, billed 1 h, clocked 1 h); subTotal 90: off by 10
    S4 2025-07-05 North ACME labor 200.00 (Ann, billed 2 h, clocked 2.5 h)
    F1 2025-06-15 North      fails to flatten (subTotal "not-a-number")

June (2025-06-01 to 2025-06-30), every shop: S2 and S3 processed, F1 failed. Revenue 100 + 80 =
180.00 over 3 lines; 1 of 2 invoices has an issue (50.0 %); customers BETA 100.00, ACME 80.00
(S1 and S4 are outside); the one part FILTER 40.00 - 30.00 = 25.00 % margin; Ann 1 h / 1 h =
100.00 %, 80.00, Bob 0.5 h / 1 h = 50.00 %, 60.00; revenue in June: labor 140.00, parts 40.00.
June at shop North: S2 and F1 only.
"""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.urls import reverse

from invoices.services import invoice_ingest
from tests.invoices.payloads import complaint, correction, invoice, part, tech

pytestmark = pytest.mark.django_db

JUNE = {"date_from": "2025-06-01", "date_to": "2025-06-30"}


def _invoice(pk, day, shop, customer, labor, hours, who, clocked, parts=(), sub_total=None):
    job = complaint(int(pk[1]), labor=labor, hours=hours, techs=[tech(who, 100, clocked)],
                    corrections=[correction(int(pk[1]) * 10, parts)] if parts else [])  # fmt: skip
    billed_to = {"customerTitle": customer, "Customer": {"customerId": 1, "title": customer}}
    return invoice(
        pk, complaints=[job], sub_total=sub_total, invoiceDate=day, shopTitle=shop, **billed_to
    )


@pytest.fixture
def scoped(db):
    pads = part("PAD", 2, "25.00", "10.00", shop="PAD-1")
    oil_filter = part("FILTER", 1, "40.00", "30.00", shop="FLT-1")
    payloads = [
        _invoice("S1", "2025-05-20", "North", "ACME", "100", "1", "Ann", "2", [pads], "150"),
        _invoice("S2", "2025-06-10", "North", "BETA", "60", "0.5", "Bob", "1", [oil_filter], "100"),
        _invoice("S3", "2025-06-25", "South", "ACME", "80", "1", "Ann", "1", sub_total="90"),
        _invoice("S4", "2025-07-05", "North", "ACME", "200", "2", "Ann", "2.5", sub_total="200"),
        invoice("F1", sub_total="not-a-number", invoiceDate="2025-06-15", shopTitle="North"),
    ]
    run = invoice_ingest(payloads=payloads, source="scope")
    assert (run.processed, run.failed) == (4, 1)


def _get(client, **params):
    response = client.get(reverse("invoices:dashboard"), params)
    assert response.status_code == 200
    return response


def _listed(client, url, attr="invoice_number") -> list:
    response = client.get(url)
    assert response.status_code == 200, url
    return sorted(str(getattr(row, attr)) for row in response.context["cl"].result_list)


def test_june_figures_count_only_the_invoices_dated_in_june(scoped, client_for, manager):
    response = _get(client_for(manager), **JUNE)
    data, k = response.context["data"], response.context["k"]
    assert (k["invoices"], k["failed"], k["lines"], k["revenue"]) == (2, 1, 3, D("180.00"))
    assert (k["with_issues"], k["data_quality_score"]) == (1, 50.0)
    customers = [(c["row"].customer_title, c["row"].revenue, c["row"].invoices)
                 for c in data["customers"]]  # fmt: skip
    assert customers == [("BETA", D("100.00"), 1), ("ACME", D("80.00"), 1)]
    assert [(p["row"].part_key, p["row"].revenue, p["row"].cost, p["row"].margin_pct)
            for p in data["parts"]] == [("FLT-1", D("40.00"), D("30.00"), D("25.00"))]  # fmt: skip
    technicians = {t["row"].technician: (t["row"].billed_hours, t["row"].clocked_hours,
                                         t["row"].efficiency_pct, t["row"].labor_revenue)
                   for t in data["technicians"]}  # fmt: skip
    assert technicians == {"Ann": (1, 1, D("100.00"), D("80.00")),
                           "Bob": (D("0.5"), 1, D("50.00"), D("60.00"))}  # fmt: skip
    revenue = {(r["month"], r["line_type"]): r["amount"] for r in data["revenue"]}
    assert revenue == {(dt.date(2025, 6, 1), "LABOR"): D("140.00"),
                       (dt.date(2025, 6, 1), "PART"): D("40.00")}  # fmt: skip
    assert {s["row"].status: s["row"].invoices for s in data["status"]} == {
        "processed": 2, "failed": 1,
    }  # fmt: skip
    assert [(q["row"].kind, q["row"].issue_count) for q in data["quality"]] == [
        ("subtotal_mismatch", 1)
    ]
    html = response.content.decode()
    assert "Invoices dated 2025-06-01 to 2025-06-30" in html
    assert 'data-kpi="revenue">$180<' in html and 'data-kpi="invoices">2<' in html
    assert "Months 2025-06" in html  # the chart's months, said above it


def test_a_shop_narrows_every_figure_too(scoped, client_for, manager):
    response = _get(client_for(manager), shop="North", **JUNE)
    data, k = response.context["data"], response.context["k"]
    assert (k["invoices"], k["failed"], k["revenue"], k["data_quality_score"]) == (
        1, 1, D("100.00"), 100.0,
    )  # fmt: skip
    assert [c["row"].customer_title for c in data["customers"]] == ["BETA"]
    assert [t["row"].technician for t in data["technicians"]] == ["Bob"]
    assert data["quality"] == []
    html = response.content.decode()
    assert 'shop <strong data-testid="shop">North</strong>' in html
    assert "<option selected>North</option>" in html and "<option >South</option>" in html


def test_links_list_exactly_the_rows_counted_in_the_range(scoped, client_for, manager):
    """ACME has three invoices; in June its link lists S3's one line, not S1's or S4's."""
    client = client_for(manager)
    data = _get(client, **JUNE).context["data"]
    acme = next(c["url"] for c in data["customers"] if c["row"].customer_title == "ACME")
    assert "invoice_date__gte=2025-06-01" in acme and "invoice_date__lt=2025-07-01" in acme
    assert _listed(client, acme) == ["NS3"]
    ann = next(t["url"] for t in data["technicians"] if t["row"].technician == "Ann")
    assert _listed(client, ann) == ["NS3"]
    assert _listed(client, data["links"]["lines"]) == ["NS2", "NS2", "NS3"]
    assert _listed(client, data["links"]["processed"]) == ["NS2", "NS3"]
    assert _listed(client, data["links"]["failed"]) == ["NF1"]
    # the lists say the range they show, chosen in their date filter
    for url in (data["links"]["lines"], data["links"]["processed"]):
        cl = client.get(url).context["cl"]
        chosen = [c["display"] for spec in cl.filter_specs for c in spec.choices(cl)
                  if c["selected"] and c["display"] != "All"]  # fmt: skip
        assert "2025-06-01 to 2025-06-30" in chosen, (url, chosen)
    (quality,) = data["quality"]
    issues = client.get(quality["url"])
    assert [i.raw_invoice.primary_key for i in issues.context["cl"].result_list] == ["S3"]
    north = _get(client, shop="North", **JUNE).context["data"]
    assert _listed(client, north["links"]["lines"]) == ["NS2", "NS2"]
    assert _listed(client, north["links"]["processed"]) == ["NS2"]


def test_without_dates_every_invoice_counts_and_the_page_says_so(scoped, client_for, manager):
    response = _get(client_for(manager))
    k = response.context["k"]
    assert (k["invoices"], k["revenue"]) == (4, D("530.00"))  # 150 + 100 + 80 + 200
    html = response.content.decode()
    assert "Invoices dated 2025-05-20 to 2025-07-05 (every invoice: no dates chosen)" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [({"date_from": "2025-13-01"}, "Invoice date from: “2025-13-01” is not a date"),
     ({"date_to": "June"}, "Invoice date to: “June” is not a date"),
     ({"date_from": "2025-07-01", "date_to": "2025-06-01"},
      "Invoice date from (2025-07-01) is after invoice date to (2025-06-01)")],
)  # fmt: skip
def test_a_bad_range_is_said_and_every_invoice_counts(scoped, client_for, manager, params, message):
    response = _get(client_for(manager), **params)
    html = response.content.decode()
    assert 'data-testid="filter-error">' + message in html
    assert response.context["k"]["invoices"] == 4
    assert "(every invoice: no dates chosen)" in html


def test_only_a_first_date_counts_from_it_on(scoped, client_for, manager):
    response = _get(client_for(manager), date_from="2025-06-20")
    k = response.context["k"]
    assert (k["invoices"], k["revenue"]) == (2, D("280.00"))  # S3 80 + S4 200
    assert "Invoices dated 2025-06-20 to 2025-07-05" in response.content.decode()


def test_scoped_rankings_read_from_the_tables_match_the_reporting_views(scoped):
    """A scope is read from the tables (the views cannot take a range); every invoice is
    read from the views. A range holding every invoice gives the views' figures."""
    import datetime as dt

    from invoices import selectors
    from invoices.models import (
        CurrentProcessingStatus,
        CustomerAnalysis,
        DataQualityCheck,
        PartsAnalysis,
        TechnicianPerformance,
    )  # fmt: skip
    from invoices.scope import InvoiceScope
    from tests.invoices.conftest import hand_dataset

    invoice_ingest(payloads=hand_dataset(), source="hand")
    every_date = InvoiceScope(date_from=dt.date(1900, 1, 1), date_to=dt.date(2999, 12, 31))
    assert every_date and every_date.dated  # the tables' path, not the views'
    pairs = [
        (selectors.top_customers(100, scope=every_date), CustomerAnalysis, "customer_title"),
        (selectors.parts_margin(100, scope=every_date), PartsAnalysis, "part_key"),
        (selectors.technician_efficiency(100, scope=every_date), TechnicianPerformance,
         "technician"),
        (selectors.processing_status(scope=every_date), CurrentProcessingStatus, "status"),
        (selectors.data_quality(scope=every_date), DataQualityCheck, "kind"),
    ]  # fmt: skip
    for rows, model, key in pairs:
        names = [f.attname for f in model._meta.fields]
        mine = {getattr(r, key): [getattr(r, n) for n in names] for r in rows}
        views = {getattr(r, key): [getattr(r, n) for n in names] for r in model.objects.all()}
        assert mine == views, model.__name__
