"""Variants of the real getInvoices sample the project had not seen (unit VINs, tax lines,
the dashboard's wording): each expected figure is worked out by hand in the test."""

import copy
from decimal import Decimal

import pytest
from django.urls import reverse

from invoices.flatten import flatten_invoice
from invoices.models import InvoiceIssue, RawInvoice
from invoices.reports.models import FleetAnalysis
from invoices.services import invoice_ingest
from tests.invoices.payloads import sample_invoice

SAMPLE_VIN = "5PVNJ8JN6C4S12345"  # the sample's unit; its lines add up to 162.23


def _variant(pk: str, *, vin: str) -> dict:
    payload = copy.deepcopy(sample_invoice())
    payload["primaryKey"] = pk
    payload["ServiceOrder"]["Unit"]["vin"] = vin
    return payload


@pytest.mark.django_db
def test_a_vin_typed_with_a_character_too_many_is_not_cut_into_another_vehicles_vin():
    # The shop typed one digit too many: cut to 17 characters it would read as the
    # sample's unit, and that truck's history would gain a visit it never had.
    typo = SAMPLE_VIN + "6"
    invoice_ingest(
        payloads=[_variant("V1", vin=SAMPLE_VIN), _variant("V2", vin=typo)], source="vins"
    )

    typed = RawInvoice.objects.get(primary_key="V2")
    assert typed.status == RawInvoice.Status.PROCESSED  # still kept, with its lines
    assert typed.unit_vin != SAMPLE_VIN
    assert typed.lines.exclude(unit_vin="").count() == 0
    assert list(RawInvoice.objects.for_vin(SAMPLE_VIN).values_list("primary_key", flat=True)) == [
        "V1"
    ]
    truck = FleetAnalysis.objects.get(unit_vin=SAMPLE_VIN)
    assert (truck.visits, truck.spend) == (1, Decimal("162.23"))
    issue = InvoiceIssue.objects.get(raw_invoice=typed)
    assert issue.kind == "vin_too_long"
    assert typo in issue.message and "18 characters" in issue.message


def test_a_vin_of_seventeen_characters_once_its_dashes_are_gone_is_kept_whole():
    result = flatten_invoice(_variant("V3", vin="5pvnj8jn6c4s-12345"))
    assert result.context.unit_vin == SAMPLE_VIN
    assert result.issues == []


def test_tax_sent_only_as_tax_lines_is_their_sum_and_the_total_reconciles():
    payload = copy.deepcopy(sample_invoice())
    payload["taxTotal"] = None
    info = payload["TaxInformation"]
    info["taxTotal"] = ""
    info["TaxLineInformation"] = [
        {"taxTitle": "State", "taxRate": 4, "taxTotal": "0.30"},
        {"taxTitle": "County", "taxRate": "2", "taxTotal": 0.15},
    ]
    # total 162.68 = subTotal 162.23 + the lines' 0.30 + 0.15
    result = flatten_invoice(payload)
    assert result.context.invoice_tax_total == Decimal("0.45")
    assert [issue.kind for issue in result.issues] == []


def test_tax_lines_do_not_override_a_tax_total_that_is_sent():
    payload = copy.deepcopy(sample_invoice())
    payload["TaxInformation"]["TaxLineInformation"] = [{"taxTitle": "Wrong", "taxTotal": "9.99"}]
    result = flatten_invoice(payload)
    assert result.context.invoice_tax_total == Decimal("0.45")
    assert result.issues == []


@pytest.mark.django_db
def test_dashboard_counts_one_line_item_and_one_invoice_with_issues_in_the_singular(
    client_for, manager
):
    # The sample cut down to its shop supplies (one line), without a VIN (one issue).
    payload = _variant("S1", vin="")
    payload["ServiceOrder"]["Complaints"] = []
    payload["ServiceOrder"]["MiscCharges"] = []
    payload.update(laborTotal=0, miscChargeTotal=0, subTotal="7.50", total="7.95")
    invoice_ingest(payloads=[payload], source="singular")

    html = client_for(manager).get(reverse("invoices:dashboard")).content.decode()
    assert "Revenue before tax (1 line item)" in html
    assert "(1 invoice with issues)" in html
    assert "1 line items" not in html and "1 invoices" not in html


def test_a_complaints_labor_to_a_tenth_of_a_cent_rounds_half_up_like_the_invoice_totals():
    # 1.25 h at 120.10 an hour: the shop sends 150.125, on the complaint and the invoice.
    payload = copy.deepcopy(sample_invoice())
    payload["ServiceOrder"]["Complaints"][0]["laborTotal"] = "150.125"
    payload.update(laborTotal="150.125", subTotal="162.355", total="162.805")
    result = flatten_invoice(payload)
    labor = [row.item.amount for row in result.rows if row.item.line_type == "LABOR"]
    assert labor == [Decimal("150.13"), Decimal("0.00")]  # 150.125 half up; the QC complaint
    assert result.issues == []  # laborTotal 150.13, subTotal 162.36 = 150.13 + 7.50 + 4.73
