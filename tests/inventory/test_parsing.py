"""Feed parsing: aliases, BOM, CRLF, money, messy/invalid/duplicate VINs, rejected files."""

from decimal import Decimal

import pytest

from inventory.feeds.parsing import FeedRejected, feed_parse, money_parse
from tests.inventory.factories import csv_bytes, make_vin


def records_by_key(feed):
    from inventory.feeds.parsing import RECORD_FIELDS

    return {r[0]: dict(zip(RECORD_FIELDS, r, strict=True)) for r in feed.records}


@pytest.mark.parametrize(
    ("text", "value"),
    [("35120.00", "35120.00"), ("$35,120.00", "35120.00"), (" 35120 ", "35120.00"),
     ("", None), ("$1,234,567.5", "1234567.50"), ("(500.00)", "-500.00")],
)  # fmt: skip
def test_money_formats(text, value):
    assert money_parse(text) == (Decimal(value) if value else None)


def test_unreadable_money_is_an_error():
    with pytest.raises(ValueError):
        money_parse("thirty grand")


@pytest.mark.parametrize(
    "stock_header", ["Stock #", "stock_no", "STOCK NO", "Stock Number", "StockNumber", "Stock"]
)
def test_cdk_stock_header_aliases(stock_header):
    vin = make_vin()
    data = csv_bytes(["vin", stock_header, "BaseInvoicePrice"], [[vin, "PB3626R", "$35,120.00"]])
    rec = records_by_key(feed_parse("cdk", data))[vin]
    assert rec["stock_number"] == "PB3626R"
    assert rec["cost"] == Decimal("35120.00")


def test_cdk_xml_style_headers_and_bom_and_crlf():
    vin = make_vin()
    data = csv_bytes(
        ["VIN", "ModelYear", "Make", "ModelName", "TrimLevel", "BaseInvoicePrice",
         "AdvertisedPrice", "Rooftop"],
        [[vin, "2024", "Jeep", "Wrangler", "Sport", "41,000.00", "$45,999.00", "Oak Park"]],
        bom=True, crlf=True,
    )  # fmt: skip
    feed = feed_parse("cdk", data)
    rec = records_by_key(feed)[vin]
    assert (rec["year"], rec["model"], rec["trim"], rec["store"]) == (
        2024, "Wrangler", "Sport", "Oak Park",
    )  # fmt: skip
    assert rec["price"] == Decimal("45999.00")
    assert feed.headers[0] == "VIN"  # the BOM is not part of the first header


def test_messy_vins_are_normalised_and_match_one_vehicle():
    vin = make_vin("1C4")
    messy = [vin.lower(), f"  {vin} ", f"{vin[:3]}-{vin[3:11]}-{vin[11:]}"]
    data = csv_bytes(["VIN", "Stock #"], [[messy[0], "A"], [messy[1], "B"], [messy[2], "C"]])
    feed = feed_parse("lojack", data)
    assert [r[0] for r in feed.records] == [vin]
    assert feed.duplicates == 2
    assert [i.reason for i in feed.issues] == ["duplicate_vin", "duplicate_vin"]
    assert [i.line_number for i in feed.issues] == [3, 4]


def test_invalid_vins_are_reported_row_by_row_and_never_vehicles():
    good = make_vin()
    rows = [[good, 1], ["1M8GDM9AXKO042788", 2], ["SHORTVIN", 3], ["", 4], [good[:-1] + "Q", 5]]
    feed = feed_parse("cdk", csv_bytes(["VIN", "Stock"], rows))
    assert len(feed.records) == 1
    assert feed.invalid_rows == 4
    assert [(i.line_number, i.reason) for i in feed.issues] == [
        (3, "invalid_vin"), (4, "invalid_vin"), (5, "missing_vin"), (6, "invalid_vin"),
    ]  # fmt: skip


def test_wrong_check_digit_is_a_warning_and_the_row_is_kept():
    good = make_vin()
    wrong = good[:8] + ("0" if good[8] != "0" else "1") + good[9:]
    feed = feed_parse("vauto", csv_bytes(["VIN"], [[wrong]]))
    assert [r[0] for r in feed.records] == [wrong]
    assert feed.issues[0].reason == "check_digit" and feed.issues[0].is_warning
    assert feed.invalid_rows == 0


def test_vauto_vin8_export_rows_are_kept_by_last_8_and_stock():
    feed = feed_parse("vauto", csv_bytes(["Stock #", "VIN 8"], [["PB3626", "lc123456"]]))
    rec = feed.records[0]
    assert rec[0] == "vin8:LC123456:PB3626"
    assert rec[1] == "" and rec[2] == "LC123456"


def test_oem_orders_without_vin_are_pending_rows_not_errors():
    vin = make_vin()
    data = csv_bytes(
        ["VehicleOrderNumber", "VIN", "MSRP", "Dealer Code"],
        [["A1", "", "$50,000.00", "D1"], ["A2", vin, "51000", "D1"], ["", vin, "1", "D1"]],
    )
    feed = feed_parse("oem", data)
    assert [r[0] for r in feed.records] == ["order:A1", vin]
    assert [i.reason for i in feed.issues] == ["missing_order"]


@pytest.mark.parametrize(
    ("source", "data", "message"),
    [
        ("cdk", b"\x89PNG\r\n\x1a\n\x00\x00binary", "not a CSV"),
        ("cdk", b"", "empty"),
        ("cdk", b"Stock No,Make\nA1,Ford\n", "No vin column"),
        ("oem", b"VIN,Make\n1FTEW1E50PF100000,Ford\n", "No order number column"),
        ("cdk", b"Device ID,VIN,Last Report\nD1,1FTEW1E50PF100000,2026-01-01\n", "lojack file"),
        ("lojack", b"Order Number,VIN,Model Code\nA1,,X\n", "oem file"),
        ("cdk", b"VIN,Stock No\n", "no rows"),
        ("cdk", b"VIN,Stock No\nnot-a-vin,1\n", "None of the 1 rows"),
    ],
)
def test_structurally_bad_files_are_rejected_whole(source, data, message):
    with pytest.raises(FeedRejected, match=message):
        feed_parse(source, data)
