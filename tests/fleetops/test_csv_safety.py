"""CSV exports never hand a spreadsheet a formula (OWASP CSV injection)."""

import csv
import io

import tablib

from fleetops.csvexport import csv_response, escape_cell, unescape_cell
from fleetops.formats import CSV

HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def test_hostile_cells_are_quoted_and_plain_values_kept():
    for value in HOSTILE:
        assert escape_cell(value) == "'" + value
    assert escape_cell("-12.50") == "-12.50"  # a negative number is data
    assert escape_cell(-3) == -3
    assert escape_cell("Honda Civic") == "Honda Civic"
    assert escape_cell(None) == ""


def test_csv_response_escapes_every_row():
    response = csv_response("x.csv", ["name", "amount"], [(v, 1) for v in HOSTILE])
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["name", "amount"]
    assert [r[0] for r in rows[1:]] == ["'" + v for v in HOSTILE]


def test_admin_export_format_escapes(settings):
    settings.IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT = True
    data = tablib.Dataset(headers=["vin", "note"])
    for value in HOSTILE:
        data.append(["1HGCM82633A004352", value])
    exported = CSV().export_data(data)
    rows = list(csv.reader(io.StringIO(exported)))
    assert rows[0] == ["vin", "note"]
    assert [r[1] for r in rows[1:]] == ["'" + v for v in HOSTILE]
    assert all(r[0] == "1HGCM82633A004352" for r in rows[1:])


def test_unescape_takes_back_exactly_what_escape_added():
    for value in [*HOSTILE, "'+1", "''=x", "'quoted", "'-12.50", "-12.50", "plain", "'"]:
        assert unescape_cell(escape_cell(value)) == value, value
    assert escape_cell("'+1") == "''+1"  # a spreadsheet still shows the quote it had
