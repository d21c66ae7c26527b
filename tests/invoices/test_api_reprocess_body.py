"""``POST /api/invoices/reprocess``: a body FleetOps cannot read is refused, not taken for
"every failed invoice".

The documented bodies are ``{}`` (every failed invoice) and ``{"primary_keys": [...]}``
(those). Ninja's ``Schema`` reads any value by attribute, so a JSON list, string, number
or an object with a misspelled key (``primary_key``) found no ``primary_keys`` and
reprocessed every failed invoice instead of refusing the request.
"""

import json

import pytest

from invoices.models import IngestRun, RawInvoice
from invoices.services import invoice_ingest
from tests.invoices.payloads import invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_failed(db):
    invoice_ingest(
        payloads=[invoice("F1", sub_total="oops"), invoice("F2", sub_total="oops")],
        source="two failed",
    )
    assert set(RawInvoice.objects.values_list("primary_key", "status")) == {
        ("F1", "failed"),
        ("F2", "failed"),
    }


def _attempts() -> dict[str, int]:
    return dict(RawInvoice.objects.values_list("primary_key", "attempts"))


@pytest.mark.parametrize(
    "body",
    ['["F1"]', "[]", '"F1"', "1", "true", '{"primary_key": ["F1"]}', '{"keys": ["F1"]}'],
)
def test_a_body_that_is_no_reprocess_request_is_a_422_and_reprocesses_nothing(
    two_failed, client_for, clerk, body
):
    attempts, runs = _attempts(), IngestRun.objects.count()
    response = client_for(clerk).post(
        "/api/invoices/reprocess", body, content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]
    assert _attempts() == attempts  # no invoice tried again
    assert IngestRun.objects.count() == runs  # no reprocess run


def test_the_documented_bodies_still_reprocess(two_failed, client_for, clerk):
    client = client_for(clerk)
    named = client.post(
        "/api/invoices/reprocess",
        json.dumps({"primary_keys": ["F2"]}),
        content_type="application/json",
    )
    assert named.status_code == 200 and named.json()["fetched"] == 1
    every = client.post("/api/invoices/reprocess", "{}", content_type="application/json")
    assert every.status_code == 200 and every.json()["fetched"] == 2
