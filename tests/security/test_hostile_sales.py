"""Malformed classicmodels CSVs through the sales admin import (preview, then confirm).

Whatever the file: no 500 and no traceback, the preview writes nothing, and a confirmed
import either writes (no row errors) or leaves the table exactly as it was.
"""

import csv

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import event, example, given
from hypothesis import strategies as st

from sales import models
from sales.services import classicmodels_load
from tests.security.hostile import HOSTILE, cells, csv_bytes, hostile_csv
from tests.security.seed import SALES_DIR

pytestmark = pytest.mark.django_db

TABLES = {
    "office": (models.Office, "offices.csv"),
    "customer": (models.Customer, "customers.csv"),
    "order": (models.Order, "orders.csv"),
    "orderline": (models.OrderLine, "orderdetails.csv"),
    "payment": (models.Payment, "payments.csv"),
}


def _rows(filename: str) -> tuple[list[str], list[list[str]]]:
    with open(SALES_DIR / filename, newline="", encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, [row for _, row in zip(range(20), reader, strict=False)]


SOURCES = {name: _rows(filename) for name, (_, filename) in TABLES.items()}


@st.composite
def near_rows(draw, name: str):
    """A real row with a cell or two replaced by junk."""
    header, rows = SOURCES[name]
    row = list(draw(st.sampled_from(rows)))
    for _ in range(draw(st.integers(min_value=0, max_value=2))):
        row[draw(st.integers(min_value=0, max_value=len(row) - 1))] = draw(cells)
    return row


@st.composite
def imports(draw):
    name = draw(st.sampled_from(sorted(TABLES)))
    header, _ = SOURCES[name]
    if draw(st.booleans()):  # the right columns, rows with a cell or two gone wrong
        rows = draw(st.lists(near_rows(name), min_size=1, max_size=5))
        return name, csv_bytes(header, rows, "utf-8", "\n")
    return name, draw(hostile_csv(header, near_rows(name)))


@pytest.fixture
def loaded(db):
    run = classicmodels_load(directory=SALES_DIR)
    assert run.status == "succeeded", run.problems


def _around(content: bytes, needle: bytes) -> str:
    i = content.find(needle)
    return content[max(0, i - 600) : i + 400].decode(errors="replace")


def snapshot(model) -> set:
    return set(model.objects.values_list())


@HOSTILE
@given(upload=imports())
@example(upload=("order", b""))
@example(upload=("order", b"\xff\xfe\x00garbage\x00"))
@example(
    upload=("payment", b"customerNumber,checkNumber,paymentDate,amount\n103,X,2004-02-30,1e400\n")
)
@example(upload=("orderline", b"orderNumber,productCode\n" + b"10100,S18_1749\n"))
@example(upload=("office", b"\n1,2\n"))  # a blank first line: no header (was a 500)
def test_sales_admin_import(upload, loaded, clerk, client_for):
    name, data = upload
    model, filename = TABLES[name]
    client = client_for(clerk)
    before = snapshot(model)
    file = SimpleUploadedFile(filename, data, content_type="text/csv")
    preview = client.post(
        reverse(f"admin:sales_{name}_import"), {"import_file": file, "format": "0", "resource": "0"}
    )
    assert preview.status_code == 200, preview.status_code
    assert b"Traceback" not in preview.content, _around(preview.content, b"Traceback")
    assert snapshot(model) == before, "the preview wrote rows"
    confirm = preview.context.get("confirm_form")
    if confirm is None:
        event("refused at preview")
        assert b"errorlist" in preview.content or b"error" in preview.content.lower()
        return
    event("confirmed")
    fields = {field: confirm.initial.get(field, "") for field in confirm.fields}
    response = client.post(reverse(f"admin:sales_{name}_process_import"), fields)
    assert response.status_code in (200, 302), response.status_code
    assert b"Traceback" not in response.content
    if response.status_code == 200:  # errors shown: nothing written
        assert snapshot(model) == before
