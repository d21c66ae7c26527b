"""Feed parsing: aliases, BOM, CRLF, money, messy/invalid/duplicate VINs, rejected files."""

import re
from decimal import Decimal

import pytest

from inventory.feeds.parsing import FeedRejected, feed_parse
from inventory.feeds.values import money_parse
from tests.inventory.factories import csv_bytes, make_vin


def records_by_key(feed):
    from inventory.feeds.parsing import RECORD_FIELDS

    return {r[0]: dict(zip(RECORD_FIELDS, r, strict=True)) for r in feed.records}


@pytest.mark.parametrize(
    ("text", "value"),
    [("35120.00", "35120.00"), ("$35,120.00", "35120.00"), (" 35120 ", "35120.00"),
     ("", None), ("$1,234,567.5", "1234567.50"), ("(500.00)", "-500.00"),
     ("1,234", "1234.00"), ("(1,234.50)", "-1234.50"), ("$ 35,120.00", "35120.00"),
     ("-$1,234.00", "-1234.00"), ("($1,234.00)", "-1234.00"), ("1,234,567,890", "1234567890.00")],
)  # fmt: skip
def test_money_formats(text, value):
    assert money_parse(text) == (Decimal(value) if value else None)


@pytest.mark.parametrize(
    "text",
    ["48200,00", "1,5", "35.120,00", "$12,34,567", "1,2345", ",500", "1,234,", "1,,234",
     "35 120,00", "(1,5)", "12,345,678,901"],
)  # fmt: skip
def test_a_decimal_comma_or_a_comma_out_of_place_is_not_an_amount(text):
    """Only a comma grouping thousands is read (once dropped, 48200,00 was 4,820,000.00)."""
    with pytest.raises(ValueError, match="not an amount"):
        money_parse(text)


def test_an_unreadable_amount_is_a_warning_naming_its_column_and_the_row_stays():
    a, b = make_vin(), make_vin()
    data = csv_bytes(
        ["VIN", "Stock No", "BaseInvoicePrice", "List Price"],
        [[a, "S1", "48200,00", "$52,995.00"], [b, "S2", "-", "1,5"]],
    )
    feed = feed_parse("cdk", data)
    rows = records_by_key(feed)
    assert [(rows[v]["cost"], rows[v]["price"]) for v in (a, b)] == [
        (None, Decimal("52995.00")), (None, None),
    ]  # fmt: skip
    issues = [(i.line_number, i.reason, i.raw_value, i.message, i.is_warning) for i in feed.issues]
    assert issues == [
        (2, "invalid_value", "48200,00", "BaseInvoicePrice: not an amount: 48200,00", True),
        (3, "invalid_value", "-", "BaseInvoicePrice: not an amount: -", True),
        (3, "invalid_value", "1,5", "List Price: not an amount: 1,5", True),
    ]  # fmt: skip
    assert (feed.warnings, feed.invalid_rows) == (3, 0)


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


def test_windows_1252_files_and_stray_windows_1252_bytes_in_utf8_files_are_read():
    """A Windows-1252 export reads as Windows-1252; in a UTF-8 export with one cell
    edited in an old spreadsheet (one ``\\xe9`` byte), only that byte is read so: the
    other cells keep their UTF-8 accents."""
    a, b = make_vin(), make_vin()
    rows = f"VIN,Model,Store\n{a},Señor,Café Ford\n{b},Crème,Café Ford\n"
    old = feed_parse("cdk", rows.encode("cp1252"))
    mixed = rows.encode().replace("Crème".encode(), "Cr\xe8me".encode("cp1252"))
    with pytest.raises(UnicodeDecodeError):
        mixed.decode()
    for data in (old, feed_parse("cdk", mixed)):
        records = records_by_key(data)
        assert [(records[v]["model"], records[v]["store"]) for v in (a, b)] == [
            ("Señor", "Café Ford"), ("Crème", "Café Ford"),
        ]  # fmt: skip


def test_a_file_of_many_bytes_that_are_not_utf8_is_read_as_windows_1252_whole():
    """Past 1,000 such bytes the file is a Windows-1252 export, read whole as one (not a
    handler call per byte): its own accents right, a UTF-8 sequence read as two
    characters."""
    from inventory.feeds.text import bytes_decoded

    rows = "".join(f"{n},Caf\xe9\n" for n in range(1001)).encode("cp1252")
    assert bytes_decoded(rows).count("Café") == 1001
    assert bytes_decoded(rows + "Señor\n".encode()).endswith("SeÃ±or\n")
    few = "".join(f"{n},Caf\xe9\n" for n in range(10)).encode("cp1252")  # 10 stray bytes
    assert bytes_decoded(few + "Señor\n".encode()).endswith("Café\nSeñor\n")


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


def test_letters_that_upper_case_into_a_to_z_are_not_vin_characters():
    """Only a-z are read as their capitals: Python's upper() makes "S" of the long s "ſ"
    and "SS" of "ß", and a cell holding them was a vehicle (before:
    "1FſEW1E5…" imported as 1FSEW1E5…, a 16-character cell with "ß" as a 17-character
    VIN). A VIN of other characters is invalid, as the README says; a no-break space
    around a VIN is still a space."""
    s_vin, ss_vin, ok = make_vin("1FS"), make_vin("1SS"), make_vin()
    lines = [
        "VIN,Stock No",
        f"{s_vin.replace('S', 'ſ')},A1",
        f"{ss_vin.replace('SS', 'ß')},A2",
        f"\u00a0{ok.lower()}\u00a0,A3",
    ]
    feed = feed_parse("cdk", ("\n".join(lines) + "\n").encode())
    assert [r[0] for r in feed.records] == [ok]
    assert [(i.line_number, i.reason, i.message) for i in feed.issues] == [
        (2, "invalid_vin", "Invalid VIN: characters not allowed in a VIN: ſ."),
        (3, "invalid_vin", "Invalid VIN: 16 characters instead of 17."),
    ]
    vin8 = feed_parse("vauto", "VIN 8,Stock #\nPſ100000,S1\nPF100001,S2\n".encode())
    assert [r[0] for r in vin8.records] == ["vin8:PF100001:S2"]
    assert [(i.line_number, i.message) for i in vin8.issues] == [
        (2, "Invalid VIN 8: characters not allowed in a VIN: ſ.")
    ]


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


def test_a_vin8_that_cannot_be_one_says_why():
    """A vAuto VIN 8 row that is no vehicle's last 8 characters names its problem, as an
    invalid VIN does (before: "No usable VIN or VIN 8." whatever it was)."""
    data = "VIN 8,Stock #,Price\nJC00001,S1,1\njc0i0013,S2,1\n,S3,1\nJC-000014,S4,1\n"
    feed = feed_parse("vauto", data.encode())
    assert [(i.line_number, i.reason, i.raw_value, i.message) for i in feed.issues] == [
        (2, "invalid_vin", "JC00001", "Invalid VIN 8: 7 characters instead of 8."),
        (3, "invalid_vin", "jc0i0013", "Invalid VIN 8: characters not allowed in a VIN: I."),
        (4, "missing_vin", "", "The row has no VIN or VIN 8."),
    ]
    assert [r[0] for r in feed.records] == ["vin8:JC000014:S4"]


def test_a_vin8_listing_sent_twice_is_reported_as_its_cells_read():
    """The duplicate's raw value is what a clerk finds in the file, not the record's key."""
    feed = feed_parse(
        "vauto",
        csv_bytes(["Stock #", "VIN 8"], [["PB3626", "lc123456"], ["pb3626", "LC123456"]]),
    )
    assert [(i.line_number, i.reason, i.raw_value) for i in feed.issues] == [
        (3, "duplicate_vin", "VIN 8 LC123456, stock PB3626"),
    ]


def test_oem_orders_without_vin_are_pending_rows_not_errors():
    vin = make_vin()
    data = csv_bytes(
        ["VehicleOrderNumber", "VIN", "MSRP", "Dealer Code"],
        [["A1", "", "$50,000.00", "D1"], ["A2", vin, "51000", "D1"], ["", vin, "1", "D1"]],
    )
    feed = feed_parse("oem", data)
    assert [r[0] for r in feed.records] == ["order:A1", vin]
    assert [i.reason for i in feed.issues] == ["missing_order"]


def test_an_oem_order_sent_again_is_a_duplicate_with_or_without_a_vin():
    """One order is one allocation. Sent again without its VIN, with a VIN it did not have,
    or with another VIN, the later line is a duplicate of the first (counted once, its
    MSRP once); the same VIN on another order is a duplicate VIN, as before."""
    a, b, c = make_vin(), make_vin(), make_vin()
    data = csv_bytes(
        ["Order Number", "VIN", "MSRP"],
        [["O8", a, "1000"], ["O8", b, "1000"],  # line 3: O8 with another VIN
         ["O9", "", "2000"], ["o9", c, "2000"],  # line 5: O9 built since (in any case)
         ["O10", c, "3000"], ["O11", c, "4000"],  # line 7: c again, on another order
         ["O12", "bad", "5000"], ["O12", "", "5000"]],  # line 8 invalid: 9 is O12's first
    )  # fmt: skip
    feed = feed_parse("oem", data)
    assert [(r[0], r[12]) for r in feed.records] == [
        (a, Decimal("1000.00")), ("order:O9", Decimal("2000.00")), (c, Decimal("3000.00")),
        ("order:O12", Decimal("5000.00")),
    ]  # fmt: skip
    assert [(i.line_number, i.reason, i.raw_value, i.message) for i in feed.issues] == [
        (3, "duplicate_order", "O8", "Already on line 2; kept once."),
        (5, "duplicate_order", "O9", "Already on line 4; kept once."),
        (7, "duplicate_vin", c, "Already on line 6; kept once."),
        (8, "invalid_vin", "bad", "Invalid VIN: 3 characters instead of 17."),
    ]
    assert (feed.duplicates, feed.invalid_rows, feed.kept) == (3, 1, 4)


def test_an_order_whose_row_repeats_another_orders_vin_is_kept_from_its_next_row():
    """A row that is not kept does not claim its order number, as an invalid VIN's does
    not: O2 sent first with O1's VIN (a duplicate VIN, not kept) and again without a VIN
    is O2's pending order from that second line. Before, the second line was reported as
    a duplicate of the first ("Already on line 3; kept once.", a line never kept) and
    the order was lost."""
    a = make_vin()
    rows = [["O1", a, "1000"], ["O2", a, "2000"], ["O2", "", "2000"]]
    feed = feed_parse("oem", csv_bytes(["Order Number", "VIN", "MSRP"], rows))
    assert [(r[0], r[12]) for r in feed.records] == [
        (a, Decimal("1000.00")), ("order:O2", Decimal("2000.00"))
    ]  # fmt: skip
    assert [(i.line_number, i.reason, i.raw_value, i.message) for i in feed.issues] == [
        (3, "duplicate_vin", a, "Already on line 2; kept once."),
    ]
    assert (feed.kept, feed.without_vin, feed.duplicates) == (2, 1, 1)


@pytest.mark.parametrize(
    ("source", "data", "message"),
    [
        ("cdk", b"\x89PNG\r\n\x1a\n\x00\x00binary", "not a CSV"),
        ("cdk", b"", "empty"),
        ("cdk", b"Stock No,Make\nA1,Ford\n", "No VIN column"),
        ("oem", b"VIN,Make\n1FTEW1E50PF100000,Ford\n", "No order number column"),
        ("cdk", b"Device ID,VIN,Last Report\nD1,1FTEW1E50PF100000,2026-01-01\n",
         "looks like a LoJack file, not a CDK"),
        ("lojack", b"Order Number,VIN,Model Code\nA1,,X\n",
         r"looks like an OEM allocations file, not a LoJack file: OEM allocations knows 3 of "
         r"its 3 columns, LoJack 1; LoJack does not know Order Number, Model Code\."),
        ("cdk", b"VIN,Stock No\n", "no rows"),
        ("cdk", b"VIN,Stock No\nnot-a-vin,1\n", "None of the 1 rows has a usable VIN"),
        ("oem", b"Order Number,VIN\n,1FTEW1E50PF100000\n,1C4RJFBG3LC123456\n",
         "None of the 2 rows has a usable order number"),
    ],
)  # fmt: skip
def test_structurally_bad_files_are_rejected_whole(source, data, message):
    with pytest.raises(FeedRejected, match=message):
        feed_parse(source, data)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        # the tester's file: before, 1 row whose model held the three lines after it
        ('VIN,Stock No,Model,Cost\n1FTFW1E58PFA00001,S1,"F-150 Lariat,48200\n'
         "1C4RJFBG3LC123456,S2,Grand Cherokee,31000\n2HGFC2F52KH500001,S3,Civic,20000\n"
         "3GNAXKEV3LS600001,S4,Equinox,25000\n", 2),
        # a closed quoted field over lines 2-3 and escaped quotes first; the open one on 5
        ('VIN,Model,Cost\r\n{a},"F-150\r\nSuperCrew",1\r\n{b},"Ranger ""XL""",2\r\n'
         '{c},Bronco,"3\r\n{d},Edge,4\r\n', 5),
        # the second quoted field of a record over two lines; blank lines before the header
        ('\n\nVIN,Model,Cost\n{a},"F-150\nXL","1\n{b},Edge,4', 5),
        ('VIN,"Model,Cost\n{a},F-150,1\n', 1),  # in the header
        ('VIN,Model\n{a},"say ""hi""', 2),  # the last field's escaped quote closes nothing
    ],
)  # fmt: skip
def test_a_quoted_field_never_closed_rejects_the_file_naming_the_line_it_opened(text, line):
    vins = {k: make_vin() for k in "abcd"}
    data = text.replace("{", "{{").replace("}", "}}")
    for k, vin in vins.items():
        data = data.replace("{{" + k + "}}", vin)
    with pytest.raises(FeedRejected, match=rf"quoted field opened on line {line} is never closed"):
        feed_parse("cdk", data.encode())


@pytest.mark.parametrize(
    "end", ['"say ""hi"""', '"say ""hi"""\n', '"F-150\nXL"', 'F-150 6.5" lift', '"a"b\n']
)
def test_a_last_field_whose_quotes_close_is_read(end):
    vin = make_vin()
    feed = feed_parse("cdk", f"VIN,Model\n{vin},{end}".encode())
    assert [r[0] for r in feed.records] == [vin]


def test_leading_blank_lines_are_skipped_and_lines_keep_their_numbers():
    good = make_vin()
    data = f"\n\r\n  \n,,\nVIN,Stock No,Cost\n{good},S1,100\nBAD,S2,1\n".encode()
    feed = feed_parse("cdk", data)
    assert records_by_key(feed)[good]["line_number"] == 6
    assert [(i.line_number, i.reason) for i in feed.issues] == [(7, "invalid_vin")]


def test_a_row_with_more_filled_cells_than_headers_is_invalid_never_a_vehicle():
    """An unquoted "$48,200.00" splits into two cells: the cells after it move one column
    over (before: cost 48.00, price 200.00, store "$52"). Empty cells past the header
    (trailing delimiters) and missing cells stay accepted."""
    a, b, c, d = make_vin(), make_vin(), make_vin(), make_vin()
    lines = [
        "VIN,Stock No,Cost,List Price,Store",
        f"{a},PB3626R,$48,200.00,$52,995.00,Northside Ford",
        f"{b},J1001,31000",
        f"{c},C1,100,200,North,, ",
        f'{d},D1,100,200,North,""',
    ]
    feed = feed_parse("cdk", ("\n".join(lines) + "\n").encode())
    rows = records_by_key(feed)
    assert sorted(rows) == sorted([b, c, d])
    assert (rows[b]["cost"], rows[b]["price"], rows[b]["store"]) == (Decimal("31000.00"), None, "")
    assert (rows[c]["store"], rows[d]["store"]) == ("North", "North")
    assert [(i.line_number, i.reason, i.raw_value, i.message) for i in feed.issues] == [
        (2, "extra_cells", lines[1], "7 cells under a 5-column header: an unquoted comma?")
    ]
    assert feed.invalid_rows == 1
    # the same in a semicolon file
    rows = [f"{make_vin()};Edge;2\n" for _ in range(20)]
    semicolons = f"VIN;Model;Cost\n{''.join(rows)}{a};F-150;XLT;1\n".encode()
    assert [(i.line_number, i.message) for i in feed_parse("cdk", semicolons).issues] == [
        (22, "4 cells under a 3-column header: an unquoted semicolon?")
    ]


def test_a_header_ending_with_a_delimiter_names_no_column_a_cell_moved_there_is_extra():
    """Exports that end every line with a delimiter, the header's too: the empty name
    after the header's last delimiter is no column. A row whose unquoted "$28,000.00"
    moved its store into it is an extra_cells issue, never a vehicle (before: read with
    cost 28.00 and store "000.00", no issue: the header's empty name counted as a
    column); rows ending with the delimiter, their last cell empty, are read as usual."""
    a, b = make_vin(), make_vin()
    lines = [
        "VIN,Stock No,Cost,Store,",
        f"{a},PA1,31500,Midway Honda,",
        f"{b},PB2,$28,000.00,Midway Honda,",
    ]
    feed = feed_parse("cdk", ("\r\n".join(lines) + "\r\n").encode())
    rows = records_by_key(feed)
    assert list(rows) == [a]
    assert (rows[a]["cost"], rows[a]["store"]) == (Decimal("31500.00"), "Midway Honda")
    assert [(i.line_number, i.reason, i.raw_value, i.message) for i in feed.issues] == [
        (3, "extra_cells", lines[2], "5 cells under a 4-column header: an unquoted comma?")
    ]
    assert (feed.rows_read, feed.invalid_rows) == (2, 1)


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_short_rows_and_trailing_delimiters_keep_the_files_own_delimiter(delimiter):
    """A semicolon, tab or pipe export whose rows leave off their empty last cells or end
    with a delimiter is read with that delimiter (its header's): such rows are read as
    usual. Before, in a file of a few rows one of them left the csv sniffer unsure, the
    file was read as comma separated and refused: "No VIN column"."""
    a, b, c = make_vin(), make_vin(), make_vin()
    lines = [
        ["VIN", "Stock No", "Cost", "Store"],
        [a, "PB3626R", "$31,200.00", "Northside Ford"],
        [b, "PB3627"],  # Cost and Store left off
        [c, "PB3628", "14000", "Northside Ford", ""],  # a trailing delimiter
    ]
    data = "\ufeff" + "".join(delimiter.join(cells) + "\r\n" for cells in lines)
    feed = feed_parse("cdk", data.encode())
    rows = records_by_key(feed)
    assert sorted(rows) == sorted([a, b, c])
    assert [(rows[v]["stock_number"], rows[v]["cost"], rows[v]["store"]) for v in (a, b, c)] == [
        ("PB3626R", Decimal("31200.00"), "Northside Ford"),
        ("PB3627", None, ""),
        ("PB3628", Decimal("14000.00"), "Northside Ford"),
    ]
    assert (feed.rows_read, feed.invalid_rows, feed.issues) == (3, 0, [])


def test_with_a_store_given_another_stores_row_is_invalid_never_a_vehicle():
    """The file is that store's snapshot: a row naming another store is not moved into
    it; the store's own name matches whatever its case and spacing, an empty cell takes it."""
    vins = [make_vin() for _ in range(4)]
    data = csv_bytes(
        ["VIN", "Stock No", "Dealer"],
        [[vins[0], "S1", "Northside Ford"], [vins[1], "S2", " northside  FORD "],
         [vins[2], "S3", ""], [vins[3], "S4", "Oak Park Jeep"]],
    )  # fmt: skip
    feed = feed_parse("cdk", data, store="Northside Ford")
    rows = records_by_key(feed)
    assert {vin: rows[vin]["store"] for vin in rows} == dict.fromkeys(vins[:3], "Northside Ford")
    assert [(i.line_number, i.reason, i.raw_value, i.message) for i in feed.issues] == [
        (5, "other_store", "Oak Park Jeep",
         "The row is Oak Park Jeep's, not Northside Ford's: this file was imported as "
         "Northside Ford's snapshot."),
    ]  # fmt: skip
    assert feed.invalid_rows == 1
    whole_group = feed_parse("cdk", data)  # no store given: each row keeps its own
    assert [r[3] for r in whole_group.records] == ["Northside Ford", "northside  FORD", "",
                                                   "Oak Park Jeep"]  # fmt: skip


def test_a_file_of_other_stores_only_is_refused_naming_them():
    """Every row another store's (a whole-group file imported as one store's): the file is
    refused, naming the stores it holds, not "no row has a usable VIN"."""
    rows = [[make_vin(), "East"], [make_vin(), "Oak Park Jeep"], [make_vin(), "East"]]
    with pytest.raises(FeedRejected) as refused:
        feed_parse("cdk", csv_bytes(["VIN", "Store"], rows), store="West")
    assert str(refused.value) == (
        "None of the 3 rows is this store's: they name East, Oak Park Jeep. Import the file "
        "for the whole group (no store), or as that store's."
    )


CDK_PLAIN = "VIN,Stock No,Year,Make,Model,Trim,New/Used,Cost,List Price,Store"


@pytest.mark.parametrize(
    ("source", "header", "looks_like"),
    [
        # the tester's: a plain CDK export (CDK knows its 10 columns, LoJack 6, OEM 5)
        ("lojack", CDK_PLAIN, "a CDK (DMS) file"),
        ("oem", CDK_PLAIN, "a CDK (DMS) file"),
        ("cdk", CDK_PLAIN, None),
        # CDK exports with a column no source reads, or shared with an OEM file
        ("cdk", "VIN,Stock No,Year,Make,Model,Odometer,Cost,List Price", None),
        ("cdk", "VIN,Stock,Make,Status,ETA,Cost", None),
        # ... but Photos is a vAuto column: this reads as a vAuto export (6 to CDK's 5)
        ("cdk", "VIN,Stock,Make,Model,Photos,Cost", "a vAuto file"),
        ("vauto", "VIN,Stock,Make,Model,Photos,Cost", None),
        # a tie keeps the source asked for: these columns are common to both
        ("vauto", "VIN,Stock No,Year,Make,Model,Price", None),
        ("cdk", "Stock #,VIN,Year,Make,Model,Series,Odometer,Price,Cost,Age,vRank,Photos",
         "a vAuto file"),
        ("cdk", "Device ID,VIN,Stock No,On Lot", "a LoJack file"),
        ("vauto", "Order Number,VIN,Model Code,MSRP,Dealer Code", "an OEM allocations file"),
    ],
)  # fmt: skip
def test_a_file_is_refused_when_another_source_knows_more_of_its_columns(
    source, header, looks_like
):
    columns = header.split(",")
    row = [make_vin() if c == "VIN" else "A1" if c.startswith("Order") else "1" for c in columns]
    data = csv_bytes(columns, [row])
    if looks_like is None:
        assert len(feed_parse(source, data).records) == 1
    else:
        with pytest.raises(FeedRejected, match=f"^This looks like {re.escape(looks_like)}, not "):
            feed_parse(source, data)


@pytest.mark.parametrize("source", ["cdk", "vauto", "lojack", "oem"])
@pytest.mark.parametrize("vin_header", ["VIN #", "VIN#", "VIN Number", "vin_number", "VIN No"])
def test_vin_header_aliases(source, vin_header):
    vin = make_vin()
    header, row = [vin_header, "Stock No"], [vin.lower(), "S1"]
    if source == "oem":
        header, row = [*header, "Order Number"], [*row, "A1"]
    data = csv_bytes(header, [row])
    assert [r[1] for r in feed_parse(source, data).records] == [vin]
