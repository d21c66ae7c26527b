"""CSV exports of raw invoices (clerks chase the failed ones) and of data-quality issues,
through the admin's export (FleetOps' CSV: formulae escaped), and the issue list's search."""

import csv
import io

import pytest
from django.urls import reverse

from invoices.services import invoice_ingest
from tests.downloads import downloaded
from tests.invoices.payloads import complaint, invoice

pytestmark = pytest.mark.django_db

RAW_EXPORT = "admin:invoices_rawinvoice_export"
ISSUE_EXPORT = "admin:invoices_invoiceissue_export"
ISSUES = "admin:invoices_invoiceissue_changelist"


@pytest.fixture
def mixed(db):
    """OK1 processed clean; Q1 processed with two issues (no VIN; subTotal 50 against rows of
    40); F1 and F2 fail to flatten, F2 with an invoice number a spreadsheet would run."""
    invoice_ingest(
        payloads=[
            invoice("OK1", complaints=[complaint(1, labor="10")], sub_total="10"),
            invoice("Q1", complaints=[complaint(2, labor="40")], sub_total="50", vin=""),
            invoice("F1", sub_total="not-a-number", invoiceDate="2025-06-15"),
            invoice("F2", sub_total="oops", invoiceNumber="=1+2", invoiceDate="2025-06-16"),
        ],
        source="exports",
    )


def _export(client, name, query="", prefix=""):
    url = reverse(name)
    form = client.get(url).context["form"]
    data = {"format": "0", "resource": "0"}
    data.update({field: "on" for field in form.fields if field.startswith(prefix)})
    response = client.post(url + query, data)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(downloaded(response).decode("utf-8-sig"))))


def test_clerks_export_the_failed_raw_invoices(mixed, client_for, clerk):
    rows = _export(client_for(clerk), RAW_EXPORT, "?status__exact=failed", "rawinvoiceresource_")
    by_key = {row["primary_key"]: row for row in rows}
    assert sorted(by_key) == ["F1", "F2"]  # the failed ones only, as the list is filtered
    f1 = by_key["F1"]
    assert (f1["invoice_number"], f1["status"], f1["attempts"]) == ("NF1", "failed", "1")
    assert f1["invoice_date"] == "2025-06-15" and "subTotal" in f1["error"]
    assert f1["received_at"] and f1["updated_at"] and f1["last_attempt_at"]
    assert "payload" not in f1 and "payload_hash" not in f1
    assert by_key["F2"]["invoice_number"] == "'=1+2"  # quoted: not a formula


def test_the_raw_invoice_list_offers_export_to_clerks_only(mixed, client_for, clerk, manager):
    html = client_for(clerk).get(reverse("admin:invoices_rawinvoice_changelist")).content
    assert b'class="export_link"' in html and b"Upload invoices" in html
    assert client_for(manager).get(reverse(RAW_EXPORT)).status_code == 403
    assert client_for(manager).get(reverse(ISSUE_EXPORT)).status_code == 403


def test_clerks_export_issues_with_their_invoice_and_label(mixed, client_for, clerk):
    rows = _export(client_for(clerk), ISSUE_EXPORT, "", "invoiceissueresource_")
    got = sorted((r["invoice_primary_key"], r["invoice_number"], r["kind"], r["kind_label"],
                  r["message"], r["difference"]) for r in rows)  # fmt: skip
    assert got == [
        ("Q1", "NQ1", "missing_vin", "Unit has no VIN", "The unit has no VIN.", ""),
        ("Q1", "NQ1", "subtotal_mismatch", "Rows do not add up to subTotal",
         "subTotal is 50.00 but the rows add up to 40.00.", "10.00"),
    ]  # fmt: skip
    assert {r["invoice_date"] for r in rows} == {"2025-06-03"}
    assert {r["shop_title"] for r in rows} == {"Shop 1"}


def test_issues_are_searched_by_invoice_number_key_or_message(mixed, client_for, clerk):
    client = client_for(clerk)

    def found(term):
        response = client.get(reverse(ISSUES), {"q": term})
        assert response.status_code == 200
        return sorted(i.kind for i in response.context["cl"].result_list)

    both = ["missing_vin", "subtotal_mismatch"]
    assert found("NQ1") == both and found(" Q1 ") == both
    assert found("no vin") == ["missing_vin"]  # words of the message, any case
    assert found("rows add up to 40") == ["subtotal_mismatch"]
    assert found("NOK1") == [] and found("Q") == []  # numbers and keys match exactly
