"""Admin: lists, exact searches, filters, payload page, vehicle link, reprocess, upload, export."""

import re
from urllib.parse import urlencode

import pytest
from django.contrib.admin import site
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from invoices.models import IngestRun, RawInvoice
from tests.downloads import downloaded
from tests.invoices.conftest import VIN_1
from tests.invoices.payloads import FIXTURES, invoice

pytestmark = pytest.mark.django_db
RAW = "admin:invoices_rawinvoice_changelist"
LINES = "admin:invoices_lineitem_changelist"


def rows(response):
    return response.context["cl"].result_list


def test_raw_invoice_list_filters_and_exact_search(
    dataset, client_for, manager, django_assert_max_num_queries
):
    client = client_for(manager)
    with django_assert_max_num_queries(12):
        response = client.get(reverse(RAW))
    assert response.status_code == 200 and len(rows(response)) == 4
    assert "payload" in rows(response)[0].get_deferred_fields()
    failed = client.get(reverse(RAW), {"status__exact": "failed"})
    assert [r.primary_key for r in rows(failed)] == ["D1"]
    issues = client.get(reverse(RAW), {"attention": "issues"})
    assert [r.primary_key for r in rows(issues)] == ["C1"]
    for term in ("NA1", "A1"):
        assert [r.primary_key for r in rows(client.get(reverse(RAW), {"q": term}))] == ["A1"]
    # The failed D1 is the same unit's: its VIN is kept although its subTotal is unreadable.
    by_vin = client.get(reverse(RAW), {"q": VIN_1.lower()})
    assert sorted(r.primary_key for r in rows(by_vin)) == ["A1", "D1"]


def test_line_item_filters_and_search(dataset, client_for, manager):
    client = client_for(manager)
    ann = client.get(reverse(LINES), {"technician": "Ann"})
    assert {(r.invoice_number, r.amount) for r in rows(ann)} == {("NA1", 60), ("NC1", 80)}
    parts = client.get(reverse(LINES), {"q": "BP-1"})
    assert {r.invoice_number for r in rows(parts)} == {"NA1", "NB1"}
    labor = client.get(reverse(LINES), {"line_type__exact": "LABOR", "customer": "ZETA TRANSPORT"})
    assert [r.technician for r in rows(labor)] == ["Ann"]
    dated = client.get(reverse(LINES), {"invoice_date__gte": "2025-07-01"})
    assert {r.invoice_number for r in rows(dated)} == {"NB1", "NC1"}


@pytest.mark.parametrize("changelist", [RAW, LINES])
@pytest.mark.parametrize(
    "query",
    [
        {"invoice_date__lt": "0001-01-01"},
        {"invoice_date__gte": "0001-01-01", "invoice_date__lt": "0001-01-01"},
    ],
)
def test_a_range_ending_on_the_first_possible_day_is_an_empty_list(
    dataset, client_for, manager, changelist, query
):
    """An edited URL's range that ends before 0001-01-01 (no day before it exists) lists
    nothing and says the range as given, instead of a 500 naming its last day."""
    response = client_for(manager).get(reverse(changelist), query)
    assert response.status_code == 200
    assert list(rows(response)) == []
    assert "before 0001-01-01" in response.content.decode()


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [("1.1250", 0, "1.125"), ("0.5000", 0, "0.5"), ("2.0000", 0, "2"), ("0.0000", 0, "0"),
     ("150.0000", 2, "150.00"), ("30.1300", 2, "30.13"), ("12.3456", 2, "12.3456"),
     ("1234.5000", 2, "1,234.50"), (None, 2, None)],
)  # fmt: skip
def test_line_item_numbers_lose_the_column_s_padding(value, places, shown):
    from decimal import Decimal

    from invoices.admin.lines import _trimmed

    assert _trimmed(None if value is None else Decimal(value), places) == shown


def test_line_item_list_shows_short_headers_and_trimmed_numbers(dataset, client_for, manager):
    body = client_for(manager).get(reverse(LINES)).content.decode()
    for header in ("Invoice", "Qty", "Unit price", "Billed h", "Clocked h", "Customer"):
        assert f">{header}</a>" in body  # sortable headers
    assert ".0000<" not in body  # no quantity, price or hours padded to four places


def test_line_item_search_by_invoice_number_or_vin_lists_that_invoice_s_lines(
    dataset, client_for, manager
):
    """Found through the raw invoices (no line-item index on those columns)."""
    from invoices.models import LineItem

    client = client_for(manager)
    a1 = set(LineItem.objects.filter(raw_invoice__primary_key="A1").values_list("id", flat=True))
    assert len(a1) == 4
    by_number = client.get(reverse(LINES), {"q": " NA1 "})
    assert {r.id for r in rows(by_number)} == a1
    by_vin = client.get(reverse(LINES), {"q": VIN_1.lower()})
    expected = LineItem.objects.filter(unit_vin=VIN_1).values_list("id", flat=True)
    assert [r.id for r in rows(by_vin)] == sorted(expected, reverse=True)  # newest first
    assert not rows(client.get(reverse(LINES), {"q": "no-such-thing"}))


def test_line_item_filter_choices_list_customers_and_labor_technicians(
    dataset, client_for, manager
):
    from django.core.cache import cache

    from invoices.models import LineItem

    cache.clear()
    response = client_for(manager).get(reverse(LINES))
    choices = {
        spec.title: {c["display"] for c in spec.choices(response.context["cl"])}
        for spec in response.context["cl"].filter_specs
        if spec.title in ("customer", "technician")
    }
    customers = set(LineItem.objects.values_list("customer_title", flat=True)) - {""}
    technicians = set(LineItem.objects.values_list("technician", flat=True)) - {""}
    assert choices["customer"] - {"All"} == customers
    assert choices["technician"] - {"All"} == technicians


def test_raw_invoice_page_shows_payload_and_the_inventory_vehicle(dataset, client_for, manager):
    from inventory.models import Vehicle

    raw = RawInvoice.objects.get(primary_key="A1")
    url = reverse("admin:invoices_rawinvoice_change", args=[raw.pk])
    html = client_for(manager).get(url).content.decode()
    assert "&quot;primaryKey&quot;: &quot;A1&quot;" in html  # pretty, indented JSON
    assert "4 line items" in html
    vehicle = Vehicle.objects.create(vin=VIN_1, year=2012, make="Freightliner", stock_number="S1")
    html = client_for(manager).get(url).content.decode()
    assert reverse("admin:inventory_vehicle_change", args=[vehicle.pk]) in html


def test_reprocess_action_for_clerks(dataset, client_for, clerk):
    RawInvoice.objects.filter(primary_key="D1").update(payload=invoice("D1"))
    ids = list(RawInvoice.objects.values_list("pk", flat=True))
    response = client_for(clerk).post(
        reverse(RAW), {"action": "reprocess_selected", "_selected_action": ids}, follow=True
    )
    assert "Reprocessed 1: 1 processed" in response.content.decode()
    assert RawInvoice.objects.get(primary_key="D1").status == "processed"
    assert IngestRun.objects.filter(trigger="reprocess", created_by=clerk).exists()


def test_upload_page_for_clerks(client_for, clerk, manager):
    url = reverse("admin:invoices_rawinvoice_upload")
    content = (FIXTURES / "getInvoices-sample-response.json").read_bytes()
    response = client_for(clerk).post(
        url, {"files": SimpleUploadedFile("s.json", content)}, follow=True
    )
    assert "1 processed" in response.content.decode()
    assert RawInvoice.objects.get().status == "processed"
    bad = client_for(clerk).post(url, {"files": SimpleUploadedFile("b.json", b"nope")})
    assert "not valid JSON" in bad.content.decode()
    assert client_for(manager).get(url).status_code == 403


def test_csv_export_for_clerks(dataset, client_for, clerk):
    client = client_for(clerk)
    url = reverse("admin:invoices_lineitem_export")
    form = client.get(url).context["form"]
    data = {"format": "0", "resource": "0"}
    data.update({name: "on" for name in form.fields if name.startswith("lineitemresource_")})
    response = client.post(url + "?technician=Ann", data)
    assert response.status_code == 200, response.content[:300]
    text = downloaded(response).decode("utf-8-sig")
    header, *lines = text.strip().splitlines()
    assert "invoice_number" in header and "technician" in header
    assert len(lines) == 2


def test_line_item_search_finds_a_part_without_a_number_by_its_description(client_for, manager):
    """The part key (part number, else description) is searched exactly, as typed or in
    capitals: the parts without a number, not lines whose part number is something else."""
    from tests.invoices.test_dashboard import _lines, _parts_dataset

    _parts_dataset()
    client = client_for(manager)
    lamp = {("NP1", "PART", "20.00"), ("NP2", "PART", "12.00")}
    for term in ("LED MARKER LAMP", " led marker lamp "):
        assert _lines(client, reverse(LINES) + "?" + urlencode({"q": term})) == lamp
    assert _lines(client, reverse(LINES) + "?q=lml-9") == {("NP1", "PART", "30.00")}
    assert _lines(client, reverse(LINES) + "?q=LED+MARKER") == set()  # exact, not contains


def test_part_filter_offers_the_top_parts_and_keeps_the_chosen_one(client_for, manager):
    from tests.invoices.test_dashboard import _parts_dataset

    _parts_dataset()
    response = client_for(manager).get(reverse(LINES), {"part": "NO SUCH PART"})
    (spec,) = [s for s in response.context["cl"].filter_specs if s.title.startswith("part ")]
    assert [c["display"] for c in spec.choices(response.context["cl"])] == [
        "All", "NO SUCH PART", "LED MARKER LAMP", "LML-9", "GLADHAND SEAL",
    ]  # fmt: skip
    assert not rows(response)


@pytest.mark.postgres
def test_part_filter_and_search_can_use_the_part_key_index(dataset, client_for, manager):
    """PostgreSQL: the filter's expression is the one of index invoices_line_part_key
    (migration 0007), so a part's lines are found by index among a million."""
    from django.db import connection

    from invoices.admin.lines import LineItemAdmin
    from invoices.models import LineItem

    if connection.vendor != "postgresql":
        pytest.skip("the partial expression index exists on PostgreSQL only")
    request = RequestFactory().get("/", {"q": "BRAKE PADS"})
    request.user = manager
    admin = LineItemAdmin(LineItem, site)
    searched, _ = admin.get_search_results(request, LineItem.objects.all(), "BRAKE PADS")
    for queryset in (LineItem.objects.for_part("BRAKE PADS"), searched):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
        assert "invoices_line_part_key" in queryset.explain()


def test_line_item_export_form_starts_at_csv(client_for, clerk):
    """CSV is the export's one format: given, not a "---" to pick from."""
    html = client_for(clerk).get(reverse("admin:invoices_lineitem_export")).content.decode()
    assert re.search(
        r'<label for="id_format">Format:</label>\s*csv\s*'
        r'<input type="hidden" name="format" value="0" id="id_format">',
        html,
    )
    assert '<select name="format"' not in html and "---" not in html


def test_line_item_export_escapes_spreadsheet_formulae(client_for, clerk):
    """The export is FleetOps' CSV (fleetops.formats): text starting with = + - @ is quoted."""
    from invoices.services import invoice_ingest
    from tests.invoices.payloads import complaint, invoice

    note = "@SUM(1+1)*cmd"
    invoice_ingest(payloads=[invoice("F1", complaints=[complaint(1, note=note, labor="10")],
                                     sub_total="10")], source="formula")  # fmt: skip
    client = client_for(clerk)
    data = {"format": "0", "resource": "0", "lineitemresource_complaint_note": "on",
            "lineitemresource_amount": "on"}  # fmt: skip
    response = client.post(reverse("admin:invoices_lineitem_export"), data)
    assert response.status_code == 200, response.content[:300]
    header, row = downloaded(response).decode("utf-8-sig").strip().splitlines()
    assert row == "'@SUM(1+1)*cmd,10.00"
