"""The exceptions API's store filter lists what the dashboard export counts per store,
the row of exceptions with no store (``—``) included."""

import pytest

from inventory.services import feed_import, vehicles_reconcile
from tests.inventory.factories import cdk_rows, lojack_rows, make_vin, vauto_rows

pytestmark = pytest.mark.django_db


def exceptions(client, **params) -> dict:
    response = client.get("/api/inventory/exceptions", {"page_size": 200, **params})
    assert response.status_code == 200, response.content
    return response.json()


def test_the_no_store_row_of_the_dashboard_export_is_a_store_filter(manager, client_for):
    """A CDK export without store names (a single rooftop) files its vehicles under no
    store: the dashboard export counts their open exceptions in a ``—`` row, as the admin
    list's store filter does. ``store=—`` listed none of them: the API offered no way to
    list the exceptions that row counts."""
    stored, plain_a, plain_b = make_vin(), make_vin(), make_vin()
    files = {
        "cdk": cdk_rows({stored: {"store": "Northside Ford"}, plain_a: {"store": ""},
                         plain_b: {"store": ""}}),
        "vauto": vauto_rows([stored], store=""),
        "lojack": lojack_rows([plain_a], store=""),
    }  # fmt: skip
    for source, data in files.items():
        assert feed_import(source=source, data=data, filename=f"{source}.csv").status == "succeeded"
    vehicles_reconcile()
    # by hand: stored is in CDK and vAuto (no tracking); plain_a in CDK and LoJack (not
    # marketed); plain_b in CDK only (not marketed, no tracking)
    expected = {
        "—": {(plain_a, "not_marketed"), (plain_b, "not_marketed"), (plain_b, "no_tracking")},
        "Northside Ford": {(stored, "no_tracking")},
    }
    client = client_for(manager)
    export = client.get("/api/inventory/dashboard.json").json()
    rows = {row["store"]: row["total"] for row in export["by_store"]}
    assert rows == {store: len(found) for store, found in expected.items()}

    for store, found in expected.items():
        data = exceptions(client, store=store, state="open")
        assert {(r["vin"], r["kind"]) for r in data["results"]} == found, store
        assert data["count"] == rows[store], store
    no_store = exceptions(client, store="—")["results"]
    assert {r["store"] for r in no_store} == {""}
    # no filter at all still lists every store's
    assert exceptions(client, store="")["count"] == 4
