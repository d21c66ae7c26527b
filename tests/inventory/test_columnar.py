"""The columnar reader (inventory.feeds.columnar) gives what the row parser gives.

Every test reads the same bytes both ways, ``copy_text`` (columns where it can) and
``feed_scan`` (the row parser, the reference), and compares the COPY lines, the counts
and the issues line by line, or the rejection. No database: these run on both backends.
"""

import csv
import io
from pathlib import Path

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st

from fleetops.vin import vin_with_check_digit
from inventory.feeds import columnar
from inventory.feeds.generate import feeds_write, population
from inventory.feeds.parsing import FeedRejected, feed_open, feed_scan
from tests.inventory import factories as f
from tests.security.hostile import HOSTILE

HEADERS = {"cdk": f.CDK_HEADER, "vauto": f.VAUTO_HEADER, "lojack": f.LOJACK_HEADER,
           "oem": f.OEM_HEADER}  # fmt: skip


def read_both_ways(source: str, data: bytes, store: str = "", stores: dict | None = None):
    """``(by_columns, (text, counts, issues) by copy_text, the same by the row parser)``;
    a rejection is compared as its message. ``stores``: the store aliases read with."""

    def outcome(read):
        parts: list[bytes] = []
        try:
            opened = feed_open(source, data, store=store, copy=True, stores=stores)
            by_columns = read(opened, parts.append)
        except FeedRejected as exc:
            return None, ("rejected", str(exc))
        feed = opened.feed
        counts = (feed.rows_read, feed.invalid_rows, feed.duplicates, feed.warnings, feed.kept)
        issues = [(i.line_number, i.reason, i.raw_value, i.message, i.is_warning)
                  for i in feed.issues]  # fmt: skip
        return by_columns, (b"".join(parts).decode(), counts, issues)

    by_columns, columns = outcome(columnar.copy_text)
    _, rows = outcome(lambda opened, write: feed_scan(opened, lambda r: write(r[1].encode())))
    return by_columns, columns, rows


def test_generated_feeds_of_all_four_sources_read_by_columns_as_by_rows(tmp_path: Path):
    """The demo generator's messy feeds (lower-case and dashed VINs, ``$35,120.00``,
    invalid VINs, duplicates, CRLF, BOM): read by columns, with the row parser's result."""
    cars = population(vehicles=3000, stores=4, days=2, seed=7)
    (folder,) = feeds_write(cars=cars, stores=4, days=2, seed=7, out=tmp_path, last=1)
    issues = 0
    for source in HEADERS:
        data = (folder / f"{source}.csv").read_bytes()
        by_columns, columns, rows = read_both_ways(source, data)
        # OEM files go through the row parser whole (an order number is a second key)
        assert by_columns is (source != "oem"), f"{source}: the path the feed should take"
        assert columns == rows, source
        assert columns[1][0] > 50, "rows were read"
        issues += len(columns[2])
    assert issues > 20, "the feeds had messy rows"


# store aliases: the generator's store names to a dealer code, to a name COPY text
# escapes, to one in another alphabet, to itself; a code nothing in the files holds
GENERATED_ALIASES = {
    "northside ford": "C55555", "LAKEVIEW CHEVROLET": "Lakeview\\Chevrolet",
    "Oak Park Jeep": "Jeep–Oak", "Riverside Toyota": "Riverside Toyota", "C00000": "Nowhere",
}  # fmt: skip


def test_generated_feeds_read_with_store_aliases_by_columns_as_by_rows(tmp_path: Path):
    """Every store name of the generated feeds, mapped or not, as a whole group or with a
    store given (its own rows named through an alias): the row parser's result."""
    cars = population(vehicles=1500, stores=4, days=1, seed=3)
    (folder,) = feeds_write(cars=cars, stores=4, days=1, seed=3, out=tmp_path, last=1)
    for source in HEADERS:
        data = (folder / f"{source}.csv").read_bytes()
        for store in ("", "C55555", "lakeview\\chevrolet", "Riverside  toyota"):
            by_columns, columns, rows = read_both_ways(source, data, store, GENERATED_ALIASES)
            assert by_columns is (source != "oem"), (source, store, columns[1])
            assert columns == rows, (source, store)
        _, whole, _ = read_both_ways(source, data, "", GENERATED_ALIASES)
        stores = {line.split("\t")[3] for line in whole[0].splitlines()}
        # by hand: the four stores as mapped (the backslash escaped as COPY text reads it)
        assert stores == {"C55555", "Lakeview\\\\Chevrolet", "Jeep–Oak", "Riverside Toyota"}


def test_a_store_given_keeps_the_rows_an_alias_names_it_by(monkeypatch):
    """Clean rows naming the given store by a code, by its name, by another store's code,
    or not at all, over chunks of 2 lines: what the row parser keeps and refuses."""
    monkeypatch.setattr(columnar, "_FIRST_CHUNK", 2)
    monkeypatch.setattr(columnar, "_CHUNK", 2)
    vins = [f.make_vin() for _ in range(6)]
    stores = ["C55555", "c 55555", "Northside Ford", "C66666", "", "C77777"]
    data = f.csv_bytes(
        ["VIN", "Stock No", "Dealer"], [[v, "S", s] for v, s in zip(vins, stores, strict=True)]
    )
    aliases = {"C55555": "Northside Ford", "C66666": "Midway Honda"}
    by_columns, columns, rows = read_both_ways("cdk", data, "northside ford", aliases)
    assert by_columns and columns == rows
    # by hand: lines 2, 3, 4 and 6 are Northside Ford's; 5 Midway Honda's, 7 C77777's
    assert [(i[0], i[1], i[2]) for i in columns[2]] == [
        (5, "other_store", "C66666"), (7, "other_store", "C77777"),
    ]  # fmt: skip
    assert columns[1] == (6, 2, 0, 0, 4)


def test_duplicates_across_chunks_point_at_the_first_line(monkeypatch):
    """A first chunk of 1 line, then chunks of 2: a VIN's repeats in later chunks are
    duplicates of its first line, and the issues stay in line order."""
    monkeypatch.setattr(columnar, "_FIRST_CHUNK", 1)
    monkeypatch.setattr(columnar, "_CHUNK", 2)
    a, b = f.make_vin(), f.make_vin()
    rows = [[a, "S1"], [b, "S2"], ["bad", "S3"], [a, "S4"], [a.lower(), "S5"], [b, "S6"]]
    data = f.csv_bytes(["VIN", "Stock No"], rows)
    by_columns, columns, expected = read_both_ways("cdk", data)
    assert by_columns and columns == expected
    # by hand: header line 1, a on 2, b on 3, "bad" on 4, repeats of a on 5 and 6, of b on 7
    assert [(i[0], i[1], i[3]) for i in columns[2]] == [
        (4, "invalid_vin", "Invalid VIN: 3 characters instead of 17."),
        (5, "duplicate_vin", "Already on line 2; kept once."),
        (6, "duplicate_vin", "Already on line 2; kept once."),
        (7, "duplicate_vin", "Already on line 3; kept once."),
    ]
    assert columns[1] == (6, 1, 3, 0, 2)


# other accepted names of each source's columns (../shared/data/dealer-feeds/README.md)
ALIASES = {
    "cdk": ["StockNumber", "VIN", "ModelYear", "Make", "ModelName", "TrimLevel", "Category",
            "BaseInvoicePrice", "AdvertisedPrice", "Lot Date", "Status", "Rooftop"],
    "vauto": ["Stock #", "VIN", "Year", "Make", "Model", "Series", "Internet Price", "Cost",
              "Days", "Photo Count", "Location"],
    "lojack": ["Serial Number", "VIN", "Stock #", "Install Date", "Last Location Date",
               "On Lot", "Dealer"],
    "oem": ["VehicleOrderNumber", "VIN", "Model Code", "Model Year", "MSRP", "Dealer Invoice",
            "Status Code", "ETA", "Dealer Code"],
}  # fmt: skip


@pytest.mark.parametrize("source", sorted(ALIASES))
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_other_header_names_over_several_chunks_read_alike(monkeypatch, source, delimiter):
    """Each source's other header names, messy cells (VINs lower case, padded, dashed,
    short or with a wrong check digit; "$35,120.00"; years as "2023.0"; quotes and
    delimiters in cells), BOM and CRLF, over chunks of 40 lines."""
    monkeypatch.setattr(columnar, "_FIRST_CHUNK", 40)
    monkeypatch.setattr(columnar, "_CHUNK", 40)
    header = ALIASES[source]
    vins = [f.make_vin(serial=n) for n in range(60)]  # 150 rows: repeats are duplicates
    vins += [vins[0].lower(), f" {vins[1][:3]}-{vins[1][3:]} ", vins[2][:16],
             vins[3][:8] + ("0" if vins[3][8] != "0" else "1") + vins[3][9:], ""]  # fmt: skip
    cells = ["", "New", "2023.0", " 2022 ", "35120.00", "$35,120.00", "a, b", 'say "hi"',
             "Café", "S1R", "x"]  # fmt: skip
    rows = [
        [vins[(7 * i) % len(vins)] if name == "VIN" else cells[(i + j) % len(cells)]
         for j, name in enumerate(header)]
        for i in range(150)
    ]  # fmt: skip
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows([header, *rows])
    data = ("\ufeff" + out.getvalue()).encode()
    by_columns, columns, expected = read_both_ways(source, data)
    assert by_columns is (source != "oem") and columns == expected
    assert columns[1][2] > 0, "duplicates across chunks"


@pytest.mark.parametrize(
    "text",
    [
        'VIN,Model\n{vin},"F-150\nSuperCrew"\n',  # a record over two lines
        'VIN,Model\n{vin}, "F-150"\n',  # a quote inside a field: the csv module keeps it
        "VIN,Model\r{vin},F-150\r",  # old Mac line ends
    ],
)
def test_files_the_columns_cannot_follow_go_to_the_row_parser(text):
    by_columns, columns, rows = read_both_ways("cdk", text.format(vin=f.make_vin()).encode())
    assert by_columns is False
    assert columns == rows


@pytest.mark.parametrize(
    ("text", "store", "by_columns"),
    [
        # the cells after an unquoted delimiter moved over; trailing empty cells; short rows
        ("VIN,Stock No,Cost,List Price,Store\n{a},PB3626R,$48,200.00,$52,995.00,Northside Ford\n"
         '{b},J1001,31000\n{c},C1,1,2,North,,""\n{d},D1,1,2,North,"",x\n', "", True),
        ('VIN;Model\n{a};F-150;"XL"\n{b};"a;b";""\n{c};x;;;\n', "", True),
        # a header ending with a delimiter: a cell under its empty name is one too many
        ("VIN,Stock No,Cost,Store,\n{a},S1,31500,North,\n{b},S2,$28,000.00,North,\n"
         '{c},S3,1,,\n{d},S4,1,North,""\n', "", True),
        # a store given: its own rows (any case or spacing), empty cells, other stores'
        ("VIN,Stock No,Dealer\n{a},S1,Northside Ford\n{b},S2,northside  FORD\n{c},S3,\n"
         "{d},S4,Oak Park Jeep\n", "Northside Ford", True),
        # decimal commas and thousands
        ('VIN,Cost,List Price,MSRP\n{a},"48200,00","1,234",1\n{b},"35.120,00","$12,34,567",'
         '"(1,234.50)"\n{c},-,"$ 35,120.00","1,5"\n', "", True),
        # blank lines before the header (read by rows, line numbers as in the file)
        ("\n\r\nVIN,Cost\r\n{a},1\r\nBAD,2\r\n", "", False),
        # a quoted field never closed: rejected both ways
        ('VIN,Model,Cost\n{a},"F-150,1\n{b},Edge,2\n', "", False),
        # NUL after the first 4 KB, in a value, a VIN and an amount
        ("VIN,Model,Cost\n" + "{a},Model,1\n" * 400 + "{b},Mod\x00el,1\n{c}\x00,X,1\n"
         "{d},Y,1\x002\n", "", False),
    ],
    ids=["extra-cells", "extra-cells-quoted", "extra-cells-header-delimiter", "other-store",
         "money", "leading-blank", "unclosed-quote", "nul"],
)  # fmt: skip
def test_the_testers_files_read_alike(text, store, by_columns):
    vins = dict(zip("abcd", (f.make_vin() for _ in range(4)), strict=True))
    data = text.replace("{a}", vins["a"]).replace("{b}", vins["b"])
    data = data.replace("{c}", vins["c"]).replace("{d}", vins["d"]).encode()
    read_by_columns, columns, rows = read_both_ways("cdk", data, store)
    assert columns == rows
    assert read_by_columns is (by_columns if columns[0] != "rejected" else None)


def test_a_store_given_for_the_file_and_tab_separated_cells():
    vins = [f.make_vin() for _ in range(3)]
    rows = [["VIN", "Stock No", "Model", "Store"], [vins[0], "A1", "F-150\tXL", "North"],
            [vins[1], "A2", "Ranger", ""], [vins[2], "A3", "Bronco", "South"]]  # fmt: skip
    data = f.csv_bytes(rows[0], rows[1:])
    out = io.StringIO()
    csv.writer(out, delimiter="\t").writerows(rows)
    tabbed = out.getvalue().encode()
    for payload, store in ((data, "West\\Lot"), (tabbed, ""), (tabbed, "East")):
        by_columns, columns, rows = read_both_ways("cdk", payload, store)
        assert by_columns and columns == rows


VIN_CELLS = st.one_of(
    st.builds(lambda n: f.make_vin(serial=n), st.integers(0, 30)),  # repeats: duplicates
    st.builds(lambda n: f.make_vin("JTD", n), st.integers(0, 30)),
    st.builds(lambda n: f.make_vin(serial=n).lower(), st.integers(0, 30)),
    st.builds(
        lambda n: f" {f.make_vin(serial=n)[:3]}-{f.make_vin(serial=n)[3:]} ", st.integers(0, 30)
    ),  # fmt: skip
    st.builds(
        lambda n: f.make_vin(serial=n)[:8] + "0" + f.make_vin(serial=n)[9:], st.integers(0, 30)
    ),  # fmt: skip
    st.sampled_from(["", "  ", "SHORT", "IOQIOQIOQIOQIOQIO", "1FTEW1E50PF1OOOOO", "ABCD1234"]),
    # every character a VIN may hold, at every position, with a right or a random check digit
    st.text(alphabet="0123456789ABCDEFGHJKLMNPRSTUVWXYZ", min_size=17, max_size=17),
    st.text(alphabet="0123456789ABCDEFGHJKLMNPRSTUVWXYZ", min_size=17, max_size=17).map(
        vin_with_check_digit
    ),
)
CELLS = st.one_of(
    st.sampled_from(["", " ", "2024", "2024.0", " 1999 ", "2101", "35120.00", "$35,120.00",
                     "(500.00)", "12,34", "1e5", "-7", "x" * 70, "Ford", "a,b", 'say "hi"',
                     "back\\slash", "tab\there", "ñandú", "line\nbreak", "\u00a0nbsp",
                     " lead", "trail ", "\tlead", "trail\t", '" quoted "', "a, b",
                     # decimal commas, thousands, another spelling of the store "West"
                     "48200,00", "35.120,00", "$12,34,567", "1,234", "(1,234.50)",
                     "$ 35,120.00", "west", " WEST ", "W est", "\x00"]),
    st.text(max_size=12),
)  # fmt: skip


@st.composite
def feeds(draw):
    source = draw(st.sampled_from(sorted(HEADERS)))
    header = HEADERS[source]
    vin_at = header.index("VIN")
    rows = []
    for _ in range(draw(st.integers(1, 12))):
        if draw(st.integers(0, 9)) == 0:
            rows.append([])  # a blank line
            continue
        row = [draw(CELLS) for _ in range(draw(st.integers(len(header) - 2, len(header) + 1)))]
        if vin_at < len(row):
            row[vin_at] = draw(VIN_CELLS)
        if source == "oem" and row:
            row[0] = draw(st.sampled_from(["", "ord-1", "ORD-2", " o3 "]))
        rows.append(row)
    delimiter = draw(st.sampled_from([",", ",", ";", "\t", "|"]))
    out = io.StringIO()
    writer = csv.writer(
        out, delimiter=delimiter, lineterminator=draw(st.sampled_from(["\n", "\r\n"]))
    )
    writer.writerows([header, *rows])
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (source, (bom + out.getvalue()).encode(), draw(st.sampled_from(["", "West"])),
            draw(ALIASES_DRAWN))  # fmt: skip


# store aliases the files are read with: none; "west" under other spellings; names of
# the cells mapped to the given store "West", away from it, to names COPY escapes or in
# another alphabet (whose casefold is ASCII: "STRASSE" is "Straße")
ALIASES_DRAWN = st.sampled_from([
    {}, {"W est": "West"}, {"west": "West"}, {"Ford": "West", "F-150": "East"},
    {"west": "East", "East": "West"}, {"x": "back\\slash", "Ford": "Café"},
    {"Straße": "West", "ñandú": "West"}, {"say \"hi\"": "west", "a,b": " West "},
])  # fmt: skip


@HOSTILE
@given(feeds())
@example(("cdk", b"VIN,Cost\n1FTEW1E50PF100000,1\n1ftew1e50pf100000,2\n", "", {}))
@example(("oem", b"Order Number,VIN\nA1,\nA1,\na1,\n", "", {}))
@example(("vauto", b"Stock #,VIN 8\nPB3626,PF100000\npb3626,pf100000\n", "North", {}))
@example(("cdk", b"VIN,Store\n1FTEW1E50PF100000,STRASSE\n", "West", {"Stra\xdfe": "West"}))
def test_any_feed_reads_the_same_by_columns_and_by_rows(feed):
    source, data, store, stores = feed
    by_columns, columns, rows = read_both_ways(source, data, store, stores)
    event(f"read by columns: {by_columns}")
    assert columns == rows


# cells a clean export holds, as written in the file: plain, quoted (with the delimiter
# or a quote inside), quoted empty, empty; another store's name or this one's
CLEAN_CELLS = st.sampled_from(["", '""', "Ford", "F-150", "35120.00", '"$35,120.00"', '"a,b"',
                               '"say ""hi"""', '""""', "2024", "West", "west", "East",
                               '"West"', "48200,00", "STRASSE", '"W est"', "x"])  # fmt: skip


@st.composite
def clean_feeds(draw):
    """Files the columnar path reads (clean VINs, one record a line) whose rows have
    fewer, as many or more cells than the header, empty or filled, and name stores."""
    header = ["VIN", "Stock No", "Make", "Cost", "Store"]
    lines = [",".join(header)]
    for n in range(draw(st.integers(1, 8))):
        cells = [draw(CLEAN_CELLS) for _ in range(draw(st.integers(2, len(header) + 3)))]
        cells[0] = f.make_vin(serial=n % 5)
        lines.append(",".join(cells))
    return (
        "\n".join(lines) + "\n",
        draw(st.sampled_from(["", "West", "we st"])),
        draw(ALIASES_DRAWN),
    )


@HOSTILE
@given(clean_feeds())
@example(('VIN,Cost\n1FTEW1E50PF100000,1,,""\n1FTEW1E50PF100001,1,"",x\n', "", {}))
def test_clean_rows_with_extra_cells_or_other_stores_read_alike(feed):
    """... and store aliases (the cells' names mapped, to the given store or away)."""
    text, store, stores = feed
    by_columns, columns, rows = read_both_ways("cdk", text.encode(), store, stores)
    assert columns == rows
    assert by_columns is (None if columns[0] == "rejected" else True)
