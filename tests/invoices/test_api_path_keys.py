"""An invoice whose primaryKey spells a POST route's path (``upload``, ``reprocess``) is
read by GET like any other: that route's path, matched first, used to answer 405."""

import pytest

from invoices.services import invoice_ingest
from tests.invoices.payloads import sample_invoice

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("key", ["upload", "reprocess"])
def test_an_invoice_keyed_like_a_post_route_is_read_by_get(admin_client, key):
    assert admin_client.get(f"/api/invoices/{key}").status_code == 404  # none yet: a 404
    invoice_ingest(payloads=[{**sample_invoice(), "primaryKey": key}])

    response = admin_client.get(f"/api/invoices/{key}")

    assert response.status_code == 200
    assert response.json()["primary_key"] == key
    assert admin_client.get(f"/api/invoices/{key}/lines").json()["invoice"]["primary_key"] == key


def test_the_post_routes_still_take_their_posts(admin_client):
    response = admin_client.post("/api/invoices/reprocess", {}, content_type="application/json")

    assert response.status_code == 200  # every failed invoice reprocessed: none here
