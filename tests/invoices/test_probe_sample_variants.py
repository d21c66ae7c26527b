"""Variants of the real getInvoices sample the project had not seen (unit VINs, tax lines,
the dashboard's wording): each expected figure is worked out by hand in the test."""

import copy
from decimal import Decimal

import pytest
from django.urls import reverse

from invoices.flatten import FlattenError, flatten_invoice
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
    # the total wins (total 162.68 = 162.23 + 0.45 reconciles); the lines are flagged
    assert [(issue.kind, issue.difference) for issue in result.issues] == [
        ("tax_lines_mismatch", Decimal("0.45") - Decimal("9.99"))
    ]


def _tax_lines(*amounts, tax_total=0.45, info_total=0.45) -> dict:
    payload = copy.deepcopy(sample_invoice())
    payload["taxTotal"] = tax_total
    payload["TaxInformation"]["taxTotal"] = info_total
    payload["TaxInformation"]["TaxLineInformation"] = [
        {"taxTitle": f"Line {i}", "taxRate": 3, "taxTotal": amount}
        for i, amount in enumerate(amounts)
    ]
    return payload


def test_tax_lines_short_of_the_tax_total_are_flagged_with_the_difference():
    result = flatten_invoice(_tax_lines("0.30", 0.1))
    assert result.context.invoice_tax_total == Decimal("0.45")  # the total still wins
    (issue,) = result.issues  # total 162.68 = 162.23 + 0.45: no total mismatch
    # 0.45 sent, the lines 0.30 + 0.10 = 0.40: 0.05 missing from the lines
    assert (issue.kind, issue.difference) == ("tax_lines_mismatch", Decimal("0.05"))
    assert "taxTotal is 0.45" in issue.message and "add up to 0.40" in issue.message


def test_tax_lines_are_checked_against_tax_information_total_when_no_tax_total_is_sent():
    result = flatten_invoice(_tax_lines("0.25", "0.25", tax_total=None, info_total="0.45"))
    (issue,) = result.issues
    # 0.45 against 0.25 + 0.25 = 0.50: the lines hold 0.05 too much
    assert (issue.kind, issue.difference) == ("tax_lines_mismatch", Decimal("-0.05"))
    assert "TaxInformation.taxTotal is 0.45" in issue.message
    assert "add up to 0.50" in issue.message


def test_tax_lines_adding_up_to_the_tax_total_to_the_cent_are_not_flagged():
    # 0.301 + 0.15 = 0.451, which is 0.45 to the cent
    assert flatten_invoice(_tax_lines("0.301", 0.15)).issues == []
    assert flatten_invoice(_tax_lines(0.2, 0.25)).issues == []  # floats: 0.45 exactly


@pytest.mark.django_db
def test_a_tax_lines_mismatch_is_labelled_on_the_dashboard_and_the_invoice_page(
    client_for, admin_user
):
    payload = _tax_lines("0.40")
    payload["primaryKey"] = "T1"
    invoice_ingest(payloads=[payload], source="tax-lines")
    label = "Tax lines differ from the tax total"

    raw = RawInvoice.objects.get(primary_key="T1")
    assert raw.issues.get().difference == Decimal("0.05")  # 0.45 - 0.40
    _assert_labelled(client_for(admin_user), raw, f"<strong>{label}</strong>: taxTotal is 0.45")


MISSING = object()  # a key left out of the payload


def _tax_totals(tax_total, info_total, *, lines=()) -> dict:
    """The sample (subTotal 162.23, total 162.68) sending ``taxTotal`` and
    ``TaxInformation.taxTotal`` as given (``MISSING``: the key is left out) and the tax
    lines ``lines``."""
    payload = copy.deepcopy(sample_invoice())
    info = payload["TaxInformation"]
    for where, key, value in ((payload, "taxTotal", tax_total), (info, "taxTotal", info_total)):
        where.pop(key)
        if value is not MISSING:
            where[key] = value
    info["TaxLineInformation"] = [{"taxTitle": "Line", "taxTotal": amount} for amount in lines]
    return payload


def test_tax_totals_that_differ_are_flagged_naming_both_and_tax_total_stays_the_tax():
    result = flatten_invoice(_tax_totals("0.45", "0.50"))
    assert result.context.invoice_tax_total == Decimal("0.45")  # the invoice's taxTotal
    (issue,) = result.issues  # total 162.68 = 162.23 + 0.45: no total mismatch
    # taxTotal 0.45 - TaxInformation.taxTotal 0.50
    assert (issue.kind, issue.difference) == ("tax_totals_mismatch", Decimal("-0.05"))
    assert "taxTotal is 0.45" in issue.message
    assert "TaxInformation.taxTotal is 0.50" in issue.message


def test_tax_total_wins_over_a_tax_information_total_that_matches_the_lines_and_total():
    # TaxInformation.taxTotal 0.45 agrees with its line and with total 162.68 - 162.23;
    # taxTotal 0.50 is still the tax, so all three checks against it fire.
    result = flatten_invoice(_tax_totals(0.5, "0.45", lines=["0.45"]))
    assert result.context.invoice_tax_total == Decimal("0.50")
    assert [(issue.kind, issue.difference) for issue in result.issues] == [
        ("tax_totals_mismatch", Decimal("0.05")),  # 0.50 - 0.45
        ("tax_lines_mismatch", Decimal("0.05")),  # 0.50 - the line's 0.45
        ("total_mismatch", Decimal("-0.05")),  # 162.68 - 162.23 - 0.50
    ]
    assert "taxTotal is 0.50 but TaxInformation.taxTotal is 0.45" in result.issues[0].message


@pytest.mark.parametrize(
    ("tax_total", "info_total"),
    [
        ("0.45", 0.45),
        (0.45, "0.450"),
        ("$0.45", " 0.45 "),
        ("4.5e-1", "0.4500"),
        ("0.451", 0.45),  # 0.451 is 0.45 to the cent
    ],
    ids=repr,
)
def test_equal_tax_totals_written_differently_are_not_flagged(tax_total, info_total):
    result = flatten_invoice(_tax_totals(tax_total, info_total))
    assert result.context.invoice_tax_total == Decimal(str(tax_total).strip("$"))
    assert result.issues == []


def test_tax_totals_of_12_5_and_12_50_are_not_flagged():
    payload = _tax_totals("12.5", 12.50)
    payload["total"] = "174.73"  # 162.23 + 12.50
    result = flatten_invoice(payload)
    assert result.context.invoice_tax_total == Decimal("12.5")
    assert result.issues == []


@pytest.mark.parametrize(
    ("tax_total", "info_total"),
    [
        ("0.45", None),
        ("0.45", ""),
        ("0.45", "  "),
        ("0.45", MISSING),
        (None, "0.45"),
        ("", "0.45"),
        (MISSING, "0.45"),
    ],
    ids=lambda value: "missing" if value is MISSING else repr(value),
)
def test_a_blank_or_missing_tax_total_is_not_a_differing_one(tax_total, info_total):
    result = flatten_invoice(_tax_totals(tax_total, info_total))
    assert result.context.invoice_tax_total == Decimal("0.45")  # whichever was sent
    assert result.issues == []


@pytest.mark.parametrize("info", [None, "", [], {}], ids=repr)
def test_a_tax_total_without_tax_information_is_not_flagged(info):
    payload = _tax_totals("0.45", MISSING)
    payload["TaxInformation"] = info
    assert flatten_invoice(payload).issues == []


def test_an_unreadable_tax_information_total_beside_a_tax_total_fails_the_invoice():
    # read as any other amount now that it is compared
    with pytest.raises(FlattenError, match=r"TaxInformation\.taxTotal: '0,45'"):
        flatten_invoice(_tax_totals("0.45", "0,45"))


@pytest.mark.django_db
def test_an_invoice_with_differing_tax_totals_is_processed_and_the_issue_labelled(
    client_for, admin_user
):
    payload = _tax_totals("0.45", "0.54")
    payload["primaryKey"] = "TT1"
    invoice_ingest(payloads=[payload], source="tax-totals")
    label = "Invoice taxTotal differs from TaxInformation.taxTotal"

    raw = RawInvoice.objects.get(primary_key="TT1")
    assert raw.status == RawInvoice.Status.PROCESSED
    # labor 150.00 and 0.00, shop supplies 7.50, the 4.73 surcharge
    assert raw.lines.count() == 4
    issue = raw.issues.get()
    assert (issue.kind, issue.difference) == ("tax_totals_mismatch", Decimal("-0.09"))
    shown = f"<strong>{label}</strong>: taxTotal is 0.45 but TaxInformation.taxTotal is 0.54"
    client = client_for(admin_user)
    _assert_labelled(client, raw, shown)
    # the admin's issue list offers it in its kind filter
    html = client.get(reverse("admin:invoices_invoiceissue_changelist")).content.decode()
    assert "?kind__exact=tax_totals_mismatch" in html and label in html


def _assert_labelled(client, raw: RawInvoice, shown: str) -> None:
    """The issue's label (``shown`` opens with it) is a link of the dashboard's
    data-quality table, and ``shown`` is on the invoice's admin page."""
    label = shown.removeprefix("<strong>").split("</strong>")[0]
    html = client.get(reverse("invoices:dashboard")).content.decode()
    table = html[html.index('id="data-quality"') :]
    assert f">{label}</a>" in table[: table.index("</table>")]
    page = reverse("admin:invoices_rawinvoice_change", args=[raw.pk])
    assert shown in client.get(page).content.decode()


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


def _second_technician(portion_fields: dict, *, first_portion=100) -> dict:
    """The sample with Jo Park added to its first complaint (48627604: 150.00 for 1 billed
    hour, Alex Moe at ``first_portion``), Jo sending ``portion_fields``."""
    payload = copy.deepcopy(sample_invoice())
    first = payload["ServiceOrder"]["Complaints"][0]
    first["AssignedTechnicians"][0]["portion"] = first_portion
    first["AssignedTechnicians"].append(
        {"technician": "Jo Park", "technicianNumber": "", "actualHours": 0.5, **portion_fields}
    )
    return payload


def _labor(result) -> list[tuple]:
    return [
        (row.item.technician, row.item.amount, row.item.hours)
        for row in result.rows
        if row.item.line_type == "LABOR"
    ]


@pytest.mark.parametrize(
    "jo", [{}, {"portion": None}, {"portion": ""}, {"portion": "  "}], ids=repr
)
def test_a_technician_without_a_portion_beside_portioned_ones_is_flagged(jo):
    result = flatten_invoice(_second_technician(jo))
    # Alex's 100 % is the whole complaint: Alex 150.00 and the billed hour, Jo nothing
    # (Jo's clocked 0.5 h stays on Jo's row); the QC complaint is Alex's 0.00.
    assert _labor(result) == [
        ("Alex Moe", Decimal("150.00"), Decimal("1.0000")),
        ("Jo Park", Decimal("0.00"), Decimal("0.0000")),
        ("Alex Moe", Decimal("0.00"), Decimal("0.0000")),
    ]
    (issue,) = result.issues
    assert issue.kind == "technician_portion_missing"
    assert "Jo Park" in issue.message and "48627604" in issue.message
    assert issue.difference is None


def test_a_missing_portion_and_portions_short_of_100_are_both_flagged():
    result = flatten_invoice(_second_technician({}, first_portion="60"))
    # Alex's 60 is the only portion sent: scaled to the whole 150.00; Jo still nothing.
    assert _labor(result)[:2] == [
        ("Alex Moe", Decimal("150.00"), Decimal("1.0000")),
        ("Jo Park", Decimal("0.00"), Decimal("0.0000")),
    ]
    assert sorted(issue.kind for issue in result.issues) == [
        "technician_portion_missing",
        "technician_portions",
    ]


def test_technicians_of_a_complaint_without_any_portion_share_equally_unflagged():
    payload = _second_technician({})
    del payload["ServiceOrder"]["Complaints"][0]["AssignedTechnicians"][0]["portion"]
    payload["ServiceOrder"]["Complaints"][1]["AssignedTechnicians"][0]["portion"] = None
    result = flatten_invoice(payload)
    # 150.00 and 1 h in two: 75.00 and 0.5 h each; QC's single technician has it all.
    assert _labor(result) == [
        ("Alex Moe", Decimal("75.00"), Decimal("0.5000")),
        ("Jo Park", Decimal("75.00"), Decimal("0.5000")),
        ("Alex Moe", Decimal("0.00"), Decimal("0.0000")),
    ]
    assert result.issues == []


@pytest.mark.django_db
def test_a_missing_portion_is_labelled_on_the_dashboard_and_the_invoice_page(
    client_for, admin_user
):
    payload = _second_technician({"portion": None})
    payload["primaryKey"] = "P1"
    invoice_ingest(payloads=[payload], source="portions")
    label = "Technician without a portion beside portioned ones"

    raw = RawInvoice.objects.get(primary_key="P1")
    _assert_labelled(client_for(admin_user), raw, f"<strong>{label}</strong>: Complaint 48627604:")


def test_the_rounding_cent_stays_with_a_technician_who_has_a_portion():
    payload = copy.deepcopy(sample_invoice())
    first = payload["ServiceOrder"]["Complaints"][0]
    first["laborTotal"] = "10"
    first["AssignedTechnicians"] = [
        {"technician": name, "portion": portion, "actualHours": 0.25}
        for name, portion in (("Ann", "33.33"), ("Bob", "33.33"), ("Cy", "33.34"), ("Jo", None))
    ]
    result = flatten_invoice(payload)
    # 10 x 33.33 % = 3.333 -> 3.33 twice; Cy, the last with a portion, takes 10 - 6.66 = 3.34
    # (10 x 33.34 % = 3.334 alone would leave the cent to Jo, who has no share).
    assert [amount for _, amount, _ in _labor(result)[:4]] == [
        Decimal("3.33"),
        Decimal("3.33"),
        Decimal("3.34"),
        Decimal("0.00"),
    ]
