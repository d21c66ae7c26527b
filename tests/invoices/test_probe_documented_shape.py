"""Invoices in the documented Fullbay shape that our generator never makes (an adversarial
probe against /work/shared/data/fullbay/README.md); expected values worked out by hand."""

import datetime as dt
import json
from decimal import Decimal as D

import pytest

from fleetops.models import RunStatus
from invoices.fullbay import FullbayClient, FullbayError
from invoices.loaders import InvoiceFileError, payloads_from_data
from invoices.models import IngestRun, RawInvoice
from invoices.services import invoice_ingest, invoices_fetch
from tests.invoices.fakefullbay import FakeFullbay
from tests.invoices.payloads import complaint, correction, invoice, part

pytestmark = pytest.mark.django_db


def test_parts_each_in_range_whose_sum_is_past_the_total_columns_fail_only_their_invoice(
    client_for, manager
):
    # Each row is 100 x 6,000,000,000.00 = 600,000,000,000.00, within a line's 12 digits;
    # the two add up to 1,200,000,000,000.00, past what the invoice's totals hold (12 digits).
    haul = [
        part("HAUL TRUCK A", "100", "6000000000.00", shop="HT-1"),
        part("HAUL TRUCK B", "100", "6000000000.00", shop="HT-2"),
    ]
    huge = invoice(
        "G1", complaints=[complaint(1, corrections=[correction("k1", haul)])], sub_total="0"
    )
    fine = invoice("F1", complaints=[complaint(2, labor="10", hours="1")], sub_total="10")
    run = invoice_ingest(payloads=[huge, fine])

    assert (run.processed, run.failed) == (1, 1)
    failed = RawInvoice.objects.get(primary_key="G1")
    assert failed.status == RawInvoice.Status.FAILED
    assert "1200000000000.00" in failed.error and "out of range" in failed.error
    assert failed.lines.count() == 0
    # every raw invoice still reads back (the list, the API)
    assert sorted(RawInvoice.objects.values_list("primary_key", "lines_total")) == [
        ("F1", D("10.00")),
        ("G1", None),
    ]
    response = client_for(manager).get("/api/invoices/")
    assert response.status_code == 200 and response.json()["count"] == 2


def test_a_subtotal_mismatch_past_the_difference_column_fails_only_its_invoice():
    # One row of 600,000,000,000.00 against a subTotal of -600,000,000,000.00 (a credit sent
    # with the wrong sign): the difference, -1,200,000,000,000.00, has 13 digits.
    truck = [part("HAUL TRUCK", "100", "6000000000.00", shop="HT-1")]
    payload = invoice(
        "G2",
        complaints=[complaint(1, corrections=[correction("k1", truck)])],
        sub_total="-600000000000.00",
    )
    run = invoice_ingest(payloads=[payload, invoice("F2", sub_total="0")])

    assert (run.processed, run.failed) == (1, 1)
    error = RawInvoice.objects.get(primary_key="G2").error
    assert "-1200000000000.00" in error and "out of range" in error
    assert list(RawInvoice.objects.order_by("primary_key").values_list("status", flat=True)) == [
        "processed",
        "failed",
    ]


def _page(invoices, page, pages):
    """A getInvoices response page as the Fullbay README describes its envelope."""
    return {
        "status": "SUCCESS",
        "startRecordNumber": page,
        "endRecordNumber": page,
        "resultCount": len(invoices),
        "totalCount": pages,
        "pageSize": 1,
        "currentPage": page,
        "totalPages": pages,
        "resultSet": invoices,
    }


def test_a_file_holding_the_pages_of_a_window_as_a_list_ingests_every_page(tmp_path):
    # The pages of one getInvoices window saved together: [page 1, page 2].
    one = invoice("P1", complaints=[complaint(1, labor="150", hours="1")], sub_total="150")
    two = invoice("P2", complaints=[complaint(2, labor="80.5", hours="0.5")], sub_total="80.5")
    pages = tmp_path / "window.json"
    pages.write_text(json.dumps([_page([one], 1, 2), _page([two], 2, 2)]))

    run = invoice_ingest(paths=[pages])

    assert (run.fetched, run.processed, run.failed) == (2, 2, 0)
    assert sorted(RawInvoice.objects.values_list("primary_key", "status", "lines_total")) == [
        ("P1", "processed", D("150.00")),
        ("P2", "processed", D("80.50")),
    ]


def test_a_failed_page_among_saved_pages_refuses_the_file_with_its_message(tmp_path):
    pages = tmp_path / "window.json"
    failed = {"status": "FAIL", "message": "Invalid key or token.", "resultSet": []}
    pages.write_text(json.dumps([_page([invoice("P3")], 1, 2), failed]))

    with pytest.raises(
        InvoiceFileError, match=r"window\.json \(item 2\): .*Invalid key or token\."
    ):
        invoice_ingest(paths=[pages])
    assert not RawInvoice.objects.exists()


def test_an_invoice_with_a_status_of_its_own_in_a_list_stays_an_invoice():
    paid = invoice("S1", status="Paid", sub_total="0")
    assert payloads_from_data([paid, invoice("S2")]) == [paid, invoice("S2")]


@pytest.mark.parametrize(
    ("field", "sent"),
    [("subTotal", "1e30"), ("subTotal", 10**30), ("partsTotal", "-1e40"), ("total", 1.5e300)],
)
def test_an_amount_too_large_for_any_column_fails_its_invoice_naming_the_field(field, sent):
    # Past the 28 digits Decimal keeps, rounding it to the cent raised InvalidOperation: the
    # invoice failed as "unexpected InvalidOperation: [<class 'decimal.InvalidOperation'>]".
    payload = invoice("BIG1", sub_total="0", **{field: sent})
    run = invoice_ingest(payloads=[payload, invoice("OK2")])

    assert (run.processed, run.failed) == (1, 1)
    assert RawInvoice.objects.get(primary_key="BIG1").error == f"{field}: {sent!r} is out of range"


def test_a_quantity_too_large_for_any_column_fails_its_invoice_naming_it():
    bulk = [part("RIVET", "1e20", "1e10", shop="RV-1")]  # 1e30 as an amount
    payload = invoice("BIG2", complaints=[complaint(1, corrections=[correction("k", bulk)])])
    run = invoice_ingest(payloads=[payload])

    assert run.failed == 1
    assert RawInvoice.objects.get(primary_key="BIG2").error == (
        "Complaints[0].Corrections[0].Parts[0].quantity: '1e20' is out of range"
    )


# A JSON number past a double's range ("subTotal": 1e400) is valid JSON (numbers have no
# range there); Python reads it as infinity.
HUGE_NUMBER = '"subTotal": 1e400'


def _huge_subtotal_json(payload: dict) -> str:
    """``payload`` as JSON, its first subTotal "0" written as the number 1e400."""
    return json.dumps(payload).replace('"subTotal": "0"', HUGE_NUMBER, 1)


def test_an_amount_past_a_doubles_range_fails_its_invoice_kept_raw_with_the_digits(tmp_path):
    path = tmp_path / "huge.json"
    listing = {"status": "SUCCESS", "resultSet": [invoice("INF1", sub_total="0"), invoice("OK1")]}
    path.write_text(_huge_subtotal_json(listing))

    run = invoice_ingest(paths=[path])

    assert (run.fetched, run.processed, run.failed) == (2, 1, 1)
    raw = RawInvoice.objects.get(primary_key="INF1")
    assert raw.status == RawInvoice.Status.FAILED
    assert raw.error == "subTotal: '1e400' is out of range"
    assert raw.payload["subTotal"] == "1e400"  # the digits sent, not null


class _HugeNumberFullbay(FakeFullbay):
    """Sends the listing's subTotal "0" of invoice API1 as the JSON number 1e400."""

    @staticmethod
    def _send(handler, status, body, content_type="text/html", headers=None):
        FakeFullbay._send(handler, status, _huge_in(body), content_type, headers)


def _huge_in(body: bytes) -> bytes:
    start = body.find(b'"primaryKey": "API1"')
    if start < 0:
        return body
    at = body.find(b'"subTotal": "0"', start)
    return body[:at] + HUGE_NUMBER.encode() + body[at + len(b'"subTotal": "0"') :]


def test_an_amount_past_a_doubles_range_from_the_api_fails_its_invoice_kept_raw():
    day = dt.date(2025, 6, 3)
    listing = [invoice("API1", sub_total="0"), invoice("API2", sub_total="0")]
    with _HugeNumberFullbay(invoices=listing, today=day) as fake:
        client = FullbayClient(base_url=fake.url, key=fake.key, public_ip=fake.ip, timeout=5,
                               retries=0, today=lambda: day)  # fmt: skip
        run = invoices_fetch(start=day, end=day, client=client)

    assert (run.fetched, run.processed, run.failed) == (2, 1, 1)
    raw = RawInvoice.objects.get(primary_key="API1")
    assert raw.status == RawInvoice.Status.FAILED
    assert raw.error == "subTotal: '1e400' is out of range"
    assert raw.payload["subTotal"] == "1e400"


def test_a_page_with_nan_is_refused_as_not_json_like_a_file_not_one_invoice_lost():
    # NaN is no JSON value (the file loader refuses it); Python's reader took it, and on
    # SQLite the invoice holding it was dropped without a word while the run succeeded.
    day = dt.date(2025, 6, 3)
    listing = [invoice("NAN1", sub_total=float("nan")), invoice("NAN2")]
    with FakeFullbay(invoices=listing, today=day) as fake:
        client = FullbayClient(base_url=fake.url, key=fake.key, public_ip=fake.ip, timeout=5,
                               retries=1, backoff=0, today=lambda: day)  # fmt: skip
        with pytest.raises(FullbayError, match="NaN is not a JSON value"):
            invoices_fetch(start=day, end=day, client=client)

    run = IngestRun.objects.get()
    assert run.status == RunStatus.FAILED and "NaN is not a JSON value" in run.error
    assert len(fake.requests) == 2  # tried again, as any damaged answer
