"""``GET /api/invoices/``: "newest invoice date first" on every database.

An invoice whose date could not be read (failed, ``invoice_date`` null) has no date to
be newest by. Ordered by ``-invoice_date`` alone, SQLite put it last and PostgreSQL,
which sorts nulls first in a descending order, put it at the head of the first page.
"""

import pytest

from invoices.models import RawInvoice
from invoices.services import invoice_ingest
from tests.invoices.payloads import invoice

pytestmark = pytest.mark.django_db


def test_invoices_without_a_date_come_after_the_dated_ones(client_for, manager):
    invoice_ingest(
        payloads=[
            invoice("OLD", invoiceDate="2025-01-02"),
            invoice("NODATE", invoiceDate="not a date"),
            invoice("NEW", invoiceDate="2025-03-04"),
            invoice("NODATE2", invoiceDate=""),
        ],
        source="dates",
    )
    assert set(RawInvoice.objects.filter(invoice_date__isnull=True).values_list(
        "primary_key", flat=True
    )) == {"NODATE", "NODATE2"}  # fmt: skip
    client = client_for(manager)
    body = client.get("/api/invoices/").json()
    keys = [row["primary_key"] for row in body["results"]]
    assert keys[:2] == ["NEW", "OLD"]
    assert set(keys[2:]) == {"NODATE", "NODATE2"}
    paged = [
        client.get(f"/api/invoices/?page_size=1&page={page}").json()["results"][0]["primary_key"]
        for page in (1, 2, 3, 4)
    ]
    assert paged == keys  # the same order page by page: ties broken by id


def test_the_invoice_summary_report_puts_undated_invoices_last(client_for, manager):
    """The same for ``reports/invoice-summary`` (newest invoice date first): an invoice
    with no ``invoiceDate`` is processed, so the report lists it, with a null date."""
    invoice_ingest(
        payloads=[
            invoice("OLD", invoiceDate="2025-01-02"),
            invoice("UNDATED", invoiceDate=None),
            invoice("NEW", invoiceDate="2025-03-04"),
        ],
        source="dates",
    )
    assert RawInvoice.objects.get(primary_key="UNDATED").status == "processed"
    client = client_for(manager)
    rows = client.get("/api/invoices/reports/invoice-summary").json()
    assert [row["primary_key"] for row in rows] == ["NEW", "OLD", "UNDATED"]
    paged = [
        client.get(f"/api/invoices/reports/invoice-summary?limit=1&offset={offset}").json()
        for offset in (0, 1, 2, 3)
    ]
    assert [[row["primary_key"] for row in page] for page in paged] == [
        ["NEW"], ["OLD"], ["UNDATED"], []
    ]  # fmt: skip
