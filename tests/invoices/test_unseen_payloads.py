"""Invoices in the documented Fullbay shape that the other tests' payloads do not cover.

Each payload is written here from ``shared/data/fullbay/README.md``; expected values are
computed by hand in the comments.
"""

import pytest

from fleetops.models import RunStatus
from invoices.loaders import payloads_from_bytes
from invoices.models import RawInvoice
from invoices.services import invoice_ingest

pytestmark = pytest.mark.django_db


def test_a_lone_surrogate_in_a_name_is_replaced_and_the_batch_goes_on():
    """JSON may carry half a surrogate pair ("\\ud800" alone): the json module reads it, but
    no UTF-8 text holds it. It used to stop the whole run with UnicodeEncodeError, nothing
    stored; now it becomes U+FFFD, like a NUL is dropped, and both invoices are kept."""
    content = (
        b'[{"primaryKey": "S0", "subTotal": 0, "total": 0},'
        + b'{"primaryKey": "S1", "customerTitle": "Bad \\ud800 name", "subTotal": 0, "total": 0}]'
    )
    payloads = payloads_from_bytes(content, name="surrogate.json")
    run = invoice_ingest(payloads=payloads)
    assert (run.status, run.processed, run.failed) == (RunStatus.SUCCEEDED, 2, 0)
    raw = RawInvoice.objects.get(primary_key="S1")
    assert raw.customer_title == "Bad \ufffd name"
    assert raw.payload["customerTitle"] == "Bad \ufffd name"
    again = invoice_ingest(payloads=payloads_from_bytes(content, name="surrogate.json"))
    assert (again.processed, again.skipped) == (0, 2)  # the same hash as what was received
