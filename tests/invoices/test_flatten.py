"""Flattening, computed by hand: every expected figure below was worked out on paper."""

from decimal import Decimal as D

import pytest

from invoices.choices import UNASSIGNED, IssueKind
from invoices.flatten import FlattenError, flatten_invoice
from invoices.flatten.coerce import to_decimal
from tests.invoices.payloads import complaint, correction, invoice, part, sample_invoice, tech


def kinds(result):
    return [i.kind for i in result.issues]


def test_real_sample_reconciles_to_its_subtotal():
    result = flatten_invoice(sample_invoice())
    rows = [(r.item.line_type, r.item.amount, r.item.technician) for r in result.rows]
    assert rows == [
        ("LABOR", D("150.00"), "Alex Moe"),
        ("LABOR", D("0.00"), "Alex Moe"),
        ("SUPPLY", D("7.50"), ""),
        ("MISC", D("4.73"), ""),
    ]
    assert result.amount_total == D("162.23")
    assert result.issues == []


def test_real_sample_rows_carry_full_context():
    result = flatten_invoice(sample_invoice())
    for row in result.rows:
        ctx = row.context
        assert ctx.invoice_primary_key == "17556190"
        assert ctx.invoice_number == "14550"
        assert str(ctx.invoice_date) == "2025-06-03"
        assert ctx.invoice_sub_total == D("162.23") and ctx.invoice_total == D("162.68")
        assert ctx.invoice_tax_total == D("0.45")
        assert ctx.customer_title == "NORTHWIND FREIGHT LLC" and ctx.customer_id == "3305045"
        assert ctx.shop_title == "Example Truck Repair - Shop 1"
        assert (ctx.service_order_primary_key, ctx.repair_order_number) == ("19259697", "16025")
        assert ctx.unit_vin == "5PVNJ8JN6C4S12345"
        assert (ctx.unit_make, ctx.unit_year, ctx.unit_number) == ("Hino", "2012", "FLATBED")
    labor = result.rows[0]
    assert labor.context.complaint_primary_key == "48627604"  # an integer in the payload
    assert labor.context.complaint_note == "CHK ENGINE LIGHT- LOW POWER"
    assert labor.context.correction_component == "CHASSIS MAINTENANCE"
    assert labor.item.hours == D("1.0000")
    assert labor.item.actual_hours == D("1.2528")  # 1.2527777... clocked
    assert result.rows[1].context.complaint_type == "Complaint PM"
    assert result.rows[1].item.actual_hours == D("0.0094")


def test_identical_parts_in_one_correction_become_one_row():
    payload = invoice(
        complaints=[
            complaint(
                1,
                corrections=[
                    correction(
                        11,
                        [
                            part("HOSE - HEATER", 1, 16.29, 12.83, shop="05-32664-000"),
                            part("Hose heater (dup)", "2", "16.29", "12.83", shop="05-32664-000"),
                            part("FILTER", 1, "20.00", "15", vendor="V-9"),
                            part("FILTER OIL", 1, "20.00", "15", vendor="v-9"),
                            part("bolt", 4, "0.25", "0.10"),
                            part(" BOLT ", 2, "0.25", "0.10"),
                        ],
                    )
                ],
            )
        ],
        # 3 x 16.29 = 48.87; 2 x 20 = 40.00; 6 x 0.25 = 1.50
        sub_total="90.37",
        parts_total="90.37",
    )
    result = flatten_invoice(payload)
    rows = [
        (r.item.part_number, r.item.quantity, r.item.amount, r.item.cost_amount)
        for r in result.rows
    ]
    assert rows == [
        ("05-32664-000", D("3"), D("48.87"), D("38.49")),
        ("V-9", D("2"), D("40.00"), D("30.00")),
        ("", D("6"), D("1.50"), D("0.60")),
    ]
    assert result.rows[0].item.margin == D("10.38")
    assert result.rows[0].item.unit_price == D("16.29")
    assert result.issues == []


def test_a_grouped_part_s_average_unit_price_and_cost_round_half_up():
    """Two lines of one part at different prices: the row's unit price is the weighted
    average to four places, half up as money is rounded. 4 at 0.12 (0.48) and 4 at 0.1325
    (0.53) make 1.01 for 8, 0.12625 each: 0.1263, not the half-even 0.1262."""
    bolts = [
        part("BOLT", 4, "0.12", "0.12", shop="B-1"),
        part("BOLT", 4, "0.1325", "0.1325", shop="B-1"),
    ]
    payload = invoice(
        complaints=[complaint(1, corrections=[correction(11, bolts)])],
        sub_total="1.01",
        parts_total="1.01",
    )
    (row,) = flatten_invoice(payload).rows
    assert (row.item.quantity, row.item.amount, row.item.cost_amount) == (
        D("8"),
        D("1.01"),
        D("1.01"),
    )
    assert (row.item.unit_price, row.item.unit_cost) == (D("0.1263"), D("0.1263"))


def test_same_part_in_another_correction_is_a_separate_row():
    pads = part("BRAKE PADS", 1, "80.00", "50.00", shop="BP-1")
    payload = invoice(
        complaints=[complaint(1, corrections=[correction(11, [pads]), correction(12, [pads])])],
        sub_total="160.00",
        parts_total="160.00",
    )
    result = flatten_invoice(payload)
    assert [(r.context.correction_primary_key, r.item.amount) for r in result.rows] == [
        ("11", D("80.00")),
        ("12", D("80.00")),
    ]


def test_returned_quantity_is_netted_out():
    payload = invoice(
        complaints=[
            complaint(
                1,
                corrections=[
                    correction(
                        11,
                        [
                            part("AIR FILTER", 4, "10.00", "6.00", shop="AF", returned="1"),
                            part("AIR FILTER", 1, "10.00", "6.00", shop="AF", returned=None),
                        ],
                    )
                ],
            )
        ],
        sub_total="40.00",  # (4 - 1 + 1) x 10
        parts_total="40.00",
    )
    (row,) = flatten_invoice(payload).rows
    assert (row.item.quantity, row.item.amount, row.item.cost_amount) == (
        D("4"),
        D("40.00"),
        D("24.00"),
    )


def test_labor_split_by_portion_last_technician_takes_the_remainder():
    payload = invoice(
        complaints=[
            complaint(
                1,
                labor="10.00",
                hours="1.5",
                techs=[
                    tech("Ann", "33.33", 0.6),
                    tech("Bob", 33.33, "0.5"),
                    tech("Cy", "33.34", 0.7),
                ],
            )
        ],
        sub_total="10.00",
        labor_total="10.00",
    )
    result = flatten_invoice(payload)
    # 10 x 33.33% = 3.333 -> 3.33 twice; the last takes 10 - 6.66 = 3.34.
    assert [(r.item.technician, r.item.amount) for r in result.rows] == [
        ("Ann", D("3.33")),
        ("Bob", D("3.33")),
        ("Cy", D("3.34")),
    ]
    # 1.5 h x 33.33% = 0.49995 -> 0.5000; clocked hours are each technician's own.
    assert [r.item.hours for r in result.rows] == [D("0.5000"), D("0.5000"), D("0.5000")]
    assert [r.item.actual_hours for r in result.rows] == [D("0.6"), D("0.5"), D("0.7")]
    assert result.issues == []


def test_labor_split_rounds_half_up_and_stays_exact():
    payload = invoice(
        complaints=[
            complaint(1, labor="0.05", hours="0.1", techs=[tech("Ann", 50, 0), tech("Bob", 50, 0)])
        ],
        sub_total="0.05",
    )
    result = flatten_invoice(payload)
    assert [r.item.amount for r in result.rows] == [D("0.03"), D("0.02")]


def test_labor_rate_rounds_half_a_cent_up():
    """The labor line's unit price is amount / billed hours to the cent, half up as all
    money is: 100.25 over 2 h is 50.125 an hour, shown 50.13 (not the half-even 50.12)."""
    payload = invoice(
        complaints=[complaint(1, labor="100.25", hours="2", techs=[tech("Ann", 100, 2)])],
        sub_total="100.25",
    )
    (row,) = flatten_invoice(payload).rows
    assert (row.item.amount, row.item.unit_price) == (D("100.25"), D("50.13"))


def test_portions_not_adding_to_100_split_in_proportion_and_are_flagged():
    payload = invoice(
        complaints=[
            complaint(7, labor="100", hours="2", techs=[tech("Ann", "60", 1), tech("Bob", "20", 1)])
        ],
        sub_total="100.00",
    )
    result = flatten_invoice(payload)
    assert [r.item.amount for r in result.rows] == [D("75.00"), D("25.00")]
    assert kinds(result) == [IssueKind.TECHNICIAN_PORTIONS]


def test_labor_without_technician_is_one_unassigned_row():
    payload = invoice(
        complaints=[complaint(1, labor="125.50", hours="1.25", actual="2")],
        sub_total="125.50",
    )
    (row,) = flatten_invoice(payload).rows
    assert (row.item.line_type, row.item.technician, row.item.amount) == (
        "LABOR",
        UNASSIGNED,
        D("125.50"),
    )
    assert (row.item.hours, row.item.actual_hours) == (D("1.2500"), D("2.0000"))
    assert row.item.unit_price == D("100.40")  # 125.50 / 1.25


def test_freight_and_supply_are_classified():
    payload = invoice(
        complaints=[
            complaint(
                1,
                corrections=[
                    correction(
                        11,
                        [
                            part("FREIGHT CHARGE", 1, "25.00"),
                            part("Inbound", 1, "5.00", category="Shipping"),
                            part("Misc", 1, "3.00", shop="FRT-SHIPPING"),
                            part("Rags", 2, "1.50", category="Shop Supplies"),
                            part("Brake chamber", 1, "60.00", category="Brakes"),
                        ],
                    )
                ],
            )
        ],
        supplies="7.50",
        sub_total="103.50",  # 25 + 5 + 3 + 3 + 60 + 7.50
    )
    result = flatten_invoice(payload)
    assert [(r.item.line_type, r.item.amount) for r in result.rows] == [
        ("FREIGHT", D("25.00")),
        ("FREIGHT", D("5.00")),
        ("FREIGHT", D("3.00")),
        ("SUPPLY", D("3.00")),
        ("PART", D("60.00")),
        ("SUPPLY", D("7.50")),  # the invoice's suppliesTotal, one row
    ]
    assert result.issues == []


def test_misc_service_call_mileage_and_sublet_are_misc_rows_adding_to_subtotal():
    payload = invoice(
        misc=[
            {"description": "Disposal", "quantity": "2", "rate": "3.10", "amount": ""},
            {"description": "Surcharge", "quantity": 1, "rate": 4.73, "amount": "4.73"},
        ],
        miscChargeTotal="10.93",
        serviceCallTotal="95",
        mileageTotal=12.5,
        mileageCostTotal="4",
        subletLaborTotal="200.00",
        sub_total="318.43",  # 6.20 + 4.73 + 95 + 12.50 + 200
    )
    result = flatten_invoice(payload)
    assert [(r.item.line_type, r.item.description, r.item.amount) for r in result.rows] == [
        ("MISC", "Disposal", D("6.20")),
        ("MISC", "Surcharge", D("4.73")),
        ("MISC", "Service call", D("95.00")),
        ("MISC", "Mileage", D("12.50")),
        ("MISC", "Sublet labor", D("200.00")),
    ]
    assert result.rows[3].item.margin == D("8.50")
    assert result.amount_total == D("318.43") and result.issues == []


def test_misc_total_without_charge_list_is_one_row():
    result = flatten_invoice(invoice(miscChargeTotal="4.73", sub_total="4.73"))
    assert [(r.item.line_type, r.item.amount) for r in result.rows] == [("MISC", D("4.73"))]


def test_rows_not_reconciling_are_flagged_with_the_difference():
    payload = invoice(
        complaints=[complaint(1, labor="100", hours="1", techs=[tech("Ann", 100, 1)])],
        sub_total="110.00",
        labor_total="100",
        total="118.80",
        tax="8.80",
    )
    result = flatten_invoice(payload)
    (issue,) = result.issues
    assert issue.kind == IssueKind.SUBTOTAL_MISMATCH and issue.difference == D("10.00")
    assert len(result.rows) == 1  # still kept


def test_total_not_matching_subtotal_plus_tax_is_flagged():
    result = flatten_invoice(invoice(sub_total="0", tax="1.00", total="2.50"))
    assert [(i.kind, i.difference) for i in result.issues] == [
        (IssueKind.TOTAL_MISMATCH, D("1.50"))
    ]


def test_loose_types_numbers_as_strings_yes_no_and_empty_values():
    payload = invoice(
        pk=4711,  # an integer key
        complaints=[
            complaint(
                "9",
                labor=" 1,234.50 ",
                hours="",
                techs=[tech("Ann", "", None)],
                corrections=[
                    correction(
                        "",
                        [
                            part("Valve", "2", "$12.00", "", shop=None),
                        ],
                    )
                ],
            )
        ],
        supplies=None,
        sub_total="1258.50",
        invoiceDate="",
    )
    result = flatten_invoice(payload)
    labor, valve = result.rows
    assert labor.context.invoice_primary_key == "4711"
    assert labor.context.invoice_date is None
    assert (labor.item.amount, labor.item.hours, labor.item.actual_hours) == (
        D("1234.50"),
        D("0.0000"),
        D("0.0000"),
    )
    assert labor.item.unit_price is None  # no billed hours, no rate
    assert (valve.item.amount, valve.item.cost_amount, valve.item.taxable) == (
        D("24.00"),
        D("0.00"),
        True,
    )
    assert result.amount_total == D("1258.50") and result.issues == []
    assert all(isinstance(r.item.amount, D) for r in result.rows)


def test_missing_vin_is_a_data_quality_issue():
    result = flatten_invoice(invoice(vin=""))
    assert kinds(result) == [IssueKind.MISSING_VIN]


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "must be an object"),
        ({"invoiceNumber": "1"}, "primaryKey is missing"),
        (invoice(sub_total="12.3.4"), "subTotal"),
        (invoice(invoiceDate="03/06/2025"), "not a date"),
        (invoice(complaints=["oops"]), "Complaints[0]"),
        (invoice(complaints=[complaint(1, labor="lots")]), "Complaints[0].laborTotal"),
        (invoice(ServiceOrder="x"), "ServiceOrder"),
    ],
)
def test_unreadable_payloads_raise_with_a_clear_error(payload, message):
    with pytest.raises(FlattenError, match=message.replace("[", r"\[").replace("]", r"\]")):
        flatten_invoice(payload)


def test_flatten_is_pure_and_does_not_change_its_input():
    payload = sample_invoice()
    before = repr(payload)
    first = flatten_invoice(payload)
    second = flatten_invoice(payload)
    assert repr(payload) == before
    assert [r.as_fields() for r in first.rows] == [r.as_fields() for r in second.rows]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1,234.56", D("1234.56")),
        ("-1,234", D("-1234")),
        ("12,345,678.9", D("12345678.9")),
        ("$1,234.50", D("1234.50")),
        ("$12", D("12")),
        (" 7.50 ", D("7.50")),
        ("1234.5", D("1234.5")),
    ],
)
def test_amounts_with_thousands_separators_are_read(text, expected):
    assert to_decimal(text, field="subTotal") == expected


@pytest.mark.parametrize("text", ["7,50", "1_000", "1,23,456", "12,34.5", ",123", "1,2345", "1,"])
def test_amounts_with_misplaced_commas_or_underscores_are_unreadable(text):
    with pytest.raises(FlattenError, match="subTotal: .* is not a number"):
        to_decimal(text, field="subTotal")


def test_a_supplies_total_with_a_decimal_comma_fails_the_invoice_instead_of_becoming_750():
    with pytest.raises(FlattenError, match=r"suppliesTotal: '7,50' is not a number"):
        flatten_invoice(invoice(supplies="7,50", sub_total="7.50"))


def test_misc_charges_not_adding_up_to_misc_charge_total_are_flagged():
    payload = invoice(
        misc=[
            {"description": "Disposal", "quantity": "2", "rate": "3.10", "amount": ""},
            {"description": "Surcharge", "quantity": 1, "rate": 4.73, "amount": "4.73"},
        ],
        misc_total="12.00",  # the charges add up to 6.20 + 4.73 = 10.93
        serviceCallTotal="95",  # a MISC row too, but not a misc charge
        sub_total="105.93",
    )
    result = flatten_invoice(payload)
    assert [(i.kind, i.message, i.difference) for i in result.issues] == [
        (
            IssueKind.MISC_TOTAL_MISMATCH,
            "miscChargeTotal is 12.00 but the rows add up to 10.93.",
            D("1.07"),
        )
    ]


def test_issue_messages_print_money_with_two_decimals():
    result = flatten_invoice(invoice(sub_total=170.0, tax=0.45, total=200.0, labor_total=1e2))
    assert [i.message for i in result.issues] == [
        "subTotal is 170.00 but the rows add up to 0.00.",
        "laborTotal is 100.00 but the rows add up to 0.00.",
        "total 200.00 is not subTotal 170.00 + tax 0.45.",
    ]
