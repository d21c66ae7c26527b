"""invoices.loaders: what a file holds (an envelope, a list, one invoice) and what is refused."""

import pytest

from invoices.loaders import InvoiceFileError, payloads_from_data
from tests.invoices.payloads import invoice


def test_an_invoice_with_a_status_field_is_one_invoice_not_an_envelope():
    paid = {"primaryKey": "9300001", "invoiceNumber": "ST", "status": "Paid", "subTotal": 1,
            "total": 1}  # fmt: skip
    assert payloads_from_data(paid, name="paid.json") == [paid]


@pytest.mark.parametrize(
    "envelope",
    [
        {"status": "SUCCESS", "resultSet": [invoice("E1")]},
        {"status": " success ", "resultSet": [invoice("E1")]},  # stripped, any case
        {"resultSet": [invoice("E1")]},  # no status: a bare resultSet
    ],
)
def test_a_success_envelope_gives_its_result_set(envelope):
    assert [p["primaryKey"] for p in payloads_from_data(envelope)] == ["E1"]


def test_an_envelope_without_invoices_is_empty():
    assert payloads_from_data({"status": "SUCCESS", "resultCount": 0}) == []


@pytest.mark.parametrize("status", ["FAIL", "fail", "FAIL ", "ERROR", "", None])
def test_an_envelope_whose_status_is_not_success_is_refused_with_its_message(status):
    envelope = {"status": status, "message": "Date range over 7 days.", "resultSet": []}
    with pytest.raises(InvoiceFileError, match=r"page\.json: .*Date range over 7 days\."):
        payloads_from_data(envelope, name="page.json")
