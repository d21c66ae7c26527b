"""A ``null`` element of a resultSet is an invoice like any other that cannot be read: kept
raw with its error, counted failed, and left alone when sent again (SQLite and PostgreSQL)."""

import pytest

from invoices.models import RawInvoice
from invoices.services import invoice_ingest
from tests.invoices.payloads import sample_invoice

pytestmark = pytest.mark.django_db


def test_a_null_invoice_is_kept_raw_and_counted_failed_and_a_resend_changes_nothing():
    sent = [sample_invoice(), None, "not an invoice"]

    run = invoice_ingest(payloads=sent, source="null-probe")

    # by hand: one readable invoice, two that are not objects
    assert (run.fetched, run.processed, run.failed) == (3, 1, 2)
    failed = RawInvoice.objects.filter(status=RawInvoice.Status.FAILED)
    assert sorted(type(r.payload).__name__ for r in failed) == ["NoneType", "str"]
    null = next(r for r in failed if r.payload is None)
    assert "must be an object, got NoneType" in null.error
    again = invoice_ingest(payloads=sent, source="null-probe")
    assert (again.fetched, again.skipped, again.failed) == (3, 3, 0)
    assert RawInvoice.objects.count() == 3
