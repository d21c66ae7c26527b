"""load_classicmodels on data sets it has not seen: the files replace the tables, and every
bad row is reported with the line where it starts in the file and the reason."""

import csv
import io
import shutil
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from sales.models import (
    Customer,
    Employee,
    LoadRun,
    Office,
    Order,
    OrderLine,
    OrderTotal,
    Payment,
    Product,
    ProductLine,
)
from sales.services import classicmodels_load
from tests.sales.conftest import DEMO_DIR

MODELS = {
    "offices": Office,
    "employees": Employee,
    "customers": Customer,
    "productlines": ProductLine,
    "products": Product,
    "orders": Order,
    "orderdetails": OrderLine,
    "payments": Payment,
}


def _read(directory, name) -> tuple[list[str], list[list[str]]]:
    with open(directory / f"{name}.csv", newline="", encoding="utf-8") as handle:
        header, *rows = csv.reader(handle)
    return header, rows


def _write(directory, name, header, rows) -> None:
    with open(directory / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def _demo_copy(directory):
    for path in DEMO_DIR.glob("*.csv"):
        shutil.copy(path, directory / path.name)
    return directory


def _edit(directory, name, edit) -> None:
    """Rewrite ``name``.csv with ``edit(header, rows)`` (rows changed in place or returned)."""
    header, rows = _read(directory, name)
    rows = edit(header, rows) or rows
    _write(directory, name, header, rows)


def _set(directory, name, key: str, column: str, value: str) -> None:
    """Set ``column`` of the row whose first cell is ``key``."""

    def edit(header, rows):
        row = next(r for r in rows if r[0] == key)
        row[header.index(column)] = value

    _edit(directory, name, edit)


def _line_of(directory, name, prefix: str) -> int:
    """The line of the file (1-based) that starts with ``prefix``, read as plain text."""
    lines = (directory / f"{name}.csv").read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, start=1) if line.startswith(prefix))


def _keys(name: str) -> set:
    model = MODELS[name]
    if name == "orderdetails":
        return set(model.objects.values_list("order_id", "product_id"))
    if name == "payments":
        return set(model.objects.values_list("customer_id", "check_number"))
    return {str(pk) for pk in model.objects.values_list("pk", flat=True)}


def _file_keys(directory, name: str) -> set:
    _, rows = _read(directory, name)
    if name == "orderdetails":
        return {(int(r[0]), r[1]) for r in rows}
    if name == "payments":
        return {(int(r[0]), r[1]) for r in rows}
    return {r[0] for r in rows}


def _revenue_from_files(directory) -> Decimal:
    _, rows = _read(directory, "orderdetails")
    return sum((int(r[2]) * Decimal(r[3]) for r in rows), Decimal("0"))


def _database_revenue() -> Decimal:
    return sum(OrderTotal.objects.values_list("revenue", flat=True), Decimal("0"))


# 1. The files replace the tables ----------------------------------------------------------


def _variant_with_extras(directory):
    """The demo data plus rows the demo does not have: an office with two employees (one
    reporting to the other), a customer, an order with a line, a payment."""
    _demo_copy(directory)
    _edit(directory, "offices", lambda h, rows: rows.append(
        ["99", "Oslo", "+47 1", "1 Gate", "", "", "Norway", "0150", "EMEA"]
    ))  # fmt: skip
    _edit(directory, "employees", lambda h, rows: rows.extend([
        ["9001", "Boss", "Ola", "x1", "ola@example.com", "99", "1002", "Sales Manager"],
        ["9002", "Rep", "Kari", "x2", "kari@example.com", "99", "9001", "Sales Rep"],
    ]))  # fmt: skip
    _edit(directory, "customers", lambda h, rows: rows.append(
        ["9999", "Extra Co", "Nord", "Ola", "1", "1 Vei", "", "Oslo", "", "", "Norway", "9002",
         "100.00"]
    ))  # fmt: skip
    _edit(directory, "orders", lambda h, rows: rows.append(
        ["99999", "2004-05-01", "2004-05-10", "2004-05-03", "Shipped", "", "9999"]
    ))  # fmt: skip
    _edit(directory, "orderdetails", lambda h, rows: rows.append(
        ["99999", "S10_1678", "3", "10.00", "1"]
    ))  # fmt: skip
    _edit(directory, "payments", lambda h, rows: rows.append(
        ["9999", "ZZ1", "2004-05-05", "30.00"]
    ))  # fmt: skip
    return directory


def test_a_load_replaces_every_table_with_exactly_the_files_rows(tmp_path, db):
    """Loading B over A gave the union: A's extra office, employees, customer... stayed."""
    first = classicmodels_load(directory=_variant_with_extras(tmp_path))
    assert first.status == "succeeded", first.problems
    assert Employee.objects.filter(pk__in=[9001, 9002]).count() == 2

    run = classicmodels_load(directory=DEMO_DIR)

    assert run.status == "succeeded", run.problems
    for name in MODELS:
        assert _keys(name) == _file_keys(DEMO_DIR, name), name
    assert run.removed == {
        "payments": 1,
        "orderdetails": 1,
        "orders": 1,
        "products": 0,
        "productlines": 0,
        "customers": 1,
        "employees": 2,
        "offices": 1,
    }
    assert not OrderTotal.objects.filter(order_id=99999).exists()
    assert _database_revenue() == _revenue_from_files(DEMO_DIR)


def test_a_load_deletes_an_order_and_a_line_the_new_files_no_longer_have(tmp_path, db):
    """variantB then variantB2 (without order 10119 and one line) kept both."""
    assert classicmodels_load(directory=DEMO_DIR).status == "succeeded"
    _demo_copy(tmp_path)
    _edit(tmp_path, "orders", lambda h, rows: [r for r in rows if r[0] != "10119"])
    _edit(
        tmp_path,
        "orderdetails",
        lambda h, rows: [
            r for r in rows if r[0] != "10119" and (r[0], r[1]) != ("10100", "S18_1749")
        ],
    )

    run = classicmodels_load(directory=tmp_path)

    assert run.status == "succeeded", run.problems
    assert not Order.objects.filter(pk=10119).exists()
    assert not OrderLine.objects.filter(order_id=10100, product_id="S18_1749").exists()
    lines_of_10119 = sum(1 for r in _read(DEMO_DIR, "orderdetails")[1] if r[0] == "10119")
    assert run.removed["orders"] == 1 and run.removed["orderdetails"] == lines_of_10119 + 1
    assert _keys("orderdetails") == _file_keys(tmp_path, "orderdetails")
    assert _database_revenue() == _revenue_from_files(tmp_path)


def test_a_rerun_of_the_same_files_changes_nothing(classicmodels):
    before = {name: set(model.objects.values_list()) for name, model in MODELS.items()}
    again = classicmodels_load(directory=DEMO_DIR)
    assert again.status == "succeeded"
    assert again.removed == dict.fromkeys(reversed(list(MODELS)), 0)
    assert {name: set(model.objects.values_list()) for name, model in MODELS.items()} == before


def test_a_partial_load_cannot_remove_rows_a_kept_table_still_references(classicmodels, tmp_path):
    """offices.csv alone, without office 7: the employees (file absent, kept) work there."""
    header, rows = _read(DEMO_DIR, "offices")
    _write(tmp_path, "offices", header, [r for r in rows if r[0] != "7"])
    snapshot = set(Office.objects.values_list())

    run = classicmodels_load(directory=tmp_path)

    assert run.status == "rejected"
    assert any(
        p["table"] == "offices" and "7" in p["error"] and "employees.csv" in p["error"]
        for p in run.problems
    ), run.problems
    assert set(Office.objects.values_list()) == snapshot


def test_a_load_whose_rows_name_a_row_it_removes_is_rejected_and_writes_nothing(
    classicmodels, tmp_path
):
    """A customer of the new files whose sales rep the new employees.csv no longer has."""
    _demo_copy(tmp_path)
    _edit(tmp_path, "employees", lambda h, rows: [r for r in rows if r[0] != "1370"])
    before = {name: set(model.objects.values_list()) for name, model in MODELS.items()}

    run = classicmodels_load(directory=tmp_path)

    assert run.status == "rejected"
    assert any("salesRepEmployeeNumber 1370" in p["error"] for p in run.problems)
    assert {name: set(model.objects.values_list()) for name, model in MODELS.items()} == before


def test_a_load_that_fails_in_its_transaction_keeps_no_counts_and_writes_nothing(
    classicmodels, tmp_path, monkeypatch
):
    """A renamed customer and a removed payment were written and counted when the load's
    audit entry, its last write, failed: all rolled back, and the failed run says so
    without the counts of the rows it did not keep."""
    _demo_copy(tmp_path)
    _set(tmp_path, "customers", "103", "customerName", "Atelier renamed")
    _edit(tmp_path, "payments", lambda h, rows: rows[:-1])
    before = {name: set(model.objects.values_list()) for name, model in MODELS.items()}

    def audit_failing(**kwargs):
        raise RuntimeError("audit table locked")

    monkeypatch.setattr("sales.services.audit_record", audit_failing)
    with pytest.raises(RuntimeError):
        classicmodels_load(directory=tmp_path)

    run = LoadRun.objects.latest("pk")
    assert (run.status, run.error) == ("failed", "RuntimeError: audit table locked")
    assert (run.rows, run.removed, run.excluded_orders) == ({}, {}, 0)
    assert run.finished_at is not None
    assert {name: set(model.objects.values_list()) for name, model in MODELS.items()} == before


# 2. Line numbers are lines of the file ------------------------------------------------------


@pytest.mark.parametrize(("column", "value"), [("buyPrice", "1.2.3"), ("productLine", "Nope")])
def test_a_row_error_names_the_line_where_the_record_starts(tmp_path, db, column, value):
    """products.csv has 7 multi-line descriptions before its last row."""
    _demo_copy(tmp_path)
    last = _read(tmp_path, "products")[1][-1][0]
    _set(tmp_path, "products", last, column, value)
    line = _line_of(tmp_path, "products", f"{last},")
    assert line == len(_read(tmp_path, "products")[1]) + 1 + 7  # header, records, 7 breaks

    run = classicmodels_load(directory=tmp_path)

    assert run.status == "rejected"
    assert [(p["table"], p["line"]) for p in run.problems] == [("products", line)]
    assert column in run.problems[0]["error"]


# 3. Rows with too many or too few fields ------------------------------------------------------


def test_a_row_with_more_or_fewer_fields_than_the_header_is_a_row_error(tmp_path, db):
    _demo_copy(tmp_path)
    offices = (tmp_path / "offices.csv").read_text(encoding="utf-8").splitlines()
    # an unquoted comma in addressLine1 of office 1 (line 2): 10 fields
    offices[1] = offices[1].replace("100 Market Street", "100 Market Street, Floor 2")
    (tmp_path / "offices.csv").write_text("\n".join(offices) + "\n", encoding="utf-8")
    lines = (tmp_path / "productlines.csv").read_text(encoding="utf-8").split("\n")
    # productlines' last two columns may be empty: a row without the last one has 3 fields
    trains = next(i for i, line in enumerate(lines) if line.startswith("Trains,"))
    assert lines[trains].endswith(",,")
    lines[trains] = lines[trains][:-1]
    (tmp_path / "productlines.csv").write_text("\n".join(lines), encoding="utf-8")

    run = classicmodels_load(directory=tmp_path)

    assert run.status == "rejected"
    problems = {(p["table"], p["line"]): p["error"] for p in run.problems}
    assert set(problems) == {("offices", 2), ("productlines", trains + 1)}
    assert problems["offices", 2].startswith("10 fields where the header has 9")
    assert problems["productlines", trains + 1] == "3 fields where the header has 4"
    assert not Office.objects.exists()


# 4. Text lengths and integer ranges of the model fields ---------------------------------------


def test_text_too_long_and_integers_out_of_range_are_row_errors(tmp_path, db):
    """On SQLite they loaded (revenue 321 billion); PostgreSQL raised a bare DataError."""
    _demo_copy(tmp_path)
    _set(tmp_path, "customers", "103", "customerName", "X" * 60)  # varchar(50)

    def edit(header, rows):
        rows[0][header.index("quantityOrdered")] = "3000000000"  # int: at most 2147483647
        rows[1][header.index("orderLineNumber")] = "40000"  # smallint: at most 32767

    _edit(tmp_path, "orderdetails", edit)

    run = classicmodels_load(directory=tmp_path)

    assert run.status == "rejected"
    assert sorted((p["table"], p["line"], p["error"]) for p in run.problems) == [
        ("customers", 2, "customerName is 60 characters long, more than 50"),
        ("orderdetails", 2, "quantityOrdered 3000000000 is above 2147483647"),
        ("orderdetails", 3, "orderLineNumber 40000 is above 32767"),
    ]
    assert not Customer.objects.exists()


def test_an_order_as_large_as_its_lines_may_be_loads_and_counts(tmp_path, db, sales_settings):
    """Two lines within the column limits made an order total of 2e17: PostgreSQL refused
    the derived total (numeric field overflow, units past a 32-bit integer), so the whole
    load failed; SQLite stored it and could not read it back."""
    _demo_copy(tmp_path)

    def edit(header, rows):
        for row in rows:
            if row[0] == "10100":  # four lines; the two kept are made as large as allowed
                row[header.index("quantityOrdered")] = "2000000000"
                row[header.index("priceEach")] = "0.00"
        first, second = (r for r in rows if r[0] == "10100" and r[1] in ("S18_1749", "S18_2248"))
        first[header.index("priceEach")] = "99999999.99"
        second[header.index("priceEach")] = "1.00"

    _edit(tmp_path, "orderdetails", edit)

    run = classicmodels_load(directory=tmp_path)

    assert run.status == "succeeded", run.error
    total = OrderTotal.objects.get(order_id=10100)
    # 2,000,000,000 × 99,999,999.99 + 2,000,000,000 × 1.00 = 2,000,000,000 × 100,000,000.99
    # (the other two lines at 0.00)
    assert total.revenue == Decimal("200000001980000000.00")
    assert total.units == 8_000_000_000


# 5. Invalid dates are row errors in orders.csv too ----------------------------------------------


def test_invalid_order_dates_are_row_errors(tmp_path, db):
    _demo_copy(tmp_path)
    _set(tmp_path, "orders", "10100", "shippedDate", "2025/05/01")
    _set(tmp_path, "orders", "10101", "requiredDate", "31-12-2025")
    _set(tmp_path, "orders", "10102", "orderDate", "2025-13-01")

    run = classicmodels_load(directory=tmp_path)

    assert run.status == "rejected"
    assert sorted((p["table"], p["line"], p["error"]) for p in run.problems) == [
        ("orders", 2, "shippedDate '2025/05/01' is not a date (YYYY-MM-DD)"),
        ("orders", 3, "requiredDate '31-12-2025' is not a date (YYYY-MM-DD)"),
        ("orders", 4, "orderDate '2025-13-01' is not a valid date"),
    ]
    assert not Order.objects.exists()


# 7. Counts, encodings, decimals ----------------------------------------------------------------


def test_the_load_counts_csv_rows_not_the_derived_order_totals(db):
    records = {name: len(_read(DEMO_DIR, name)[1]) for name in MODELS}
    out = io.StringIO()

    call_command("load_classicmodels", str(DEMO_DIR), stdout=out)

    assert f"Loaded {sum(records.values())} CSV rows; removed 0 rows" in out.getvalue()
    run = LoadRun.objects.get()
    assert run.rows == records and run.rows_total == sum(records.values())


def test_a_file_that_is_not_utf8_is_a_clear_error_naming_it(tmp_path, db):
    _demo_copy(tmp_path)
    text = (tmp_path / "customers.csv").read_text(encoding="utf-8")
    assert "Luleå" in text
    raw = text.encode("latin-1")
    (tmp_path / "customers.csv").write_bytes(raw)
    first = min(raw.index(ch.encode("latin-1")) for ch in set(text) if ord(ch) > 127)
    line = raw[:first].count(b"\n") + 1  # the first line with a non-ASCII character

    run = classicmodels_load(directory=tmp_path)

    assert run.status == "rejected"
    assert run.problems == [
        {
            "table": "customers",
            "line": line,
            "error": f"byte 0x{raw[first]:02x} is not UTF-8: save customers.csv as UTF-8",
        }
    ]
    with pytest.raises(CommandError):
        call_command(
            "load_classicmodels", str(tmp_path), stdout=io.StringIO(), stderr=io.StringIO()
        )


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("10.005", "priceEach '10.005' has more than 2 decimal places"),
        ("1E+2", "priceEach '1E+2' is not a number like 1234.50"),
    ],
)
def test_decimals_beyond_two_places_or_in_exponent_form_are_row_errors(tmp_path, db, value, error):
    _demo_copy(tmp_path)

    def edit(header, rows):
        rows[3][header.index("priceEach")] = value

    _edit(tmp_path, "orderdetails", edit)

    run = classicmodels_load(directory=tmp_path)

    assert run.status == "rejected"
    assert run.problems == [{"table": "orderdetails", "line": 5, "error": error}]
