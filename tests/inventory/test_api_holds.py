"""The exceptions the summary counts can be listed: ``holds=true`` is every exception whose
condition held at the last reconciliation, in any triage state (a resolved exception
whose vehicle is still out of step counts there), as the dashboard's cards link to them
in the admin (``holds=yes``)."""

from decimal import Decimal

import pytest

from inventory.models import InventoryException
from inventory.services.exceptions import exception_resolve
from tests.inventory.factories import make_vin

pytestmark = pytest.mark.django_db


def listed(client, **params) -> list[dict]:
    data = client.get("/api/inventory/exceptions", {"page_size": 200, **params}).json()
    assert data["count"] == len(data["results"])
    return data["results"]


def test_the_exceptions_that_hold_add_up_to_the_summary(load, triage_user, client_for):
    sold, kept, tracked, ordered, listing = (make_vin() for _ in range(5))
    load(
        cdk={sold: {"cost": "21000.00"}, kept: {"cost": "$35,120.00"},
             tracked: {"cost": "1,000.50"}},
        vauto=[listing], lojack=[tracked],
        oem={"O1": {"vin": ordered, "msrp": "$48,200.00"}, "O2": {}},
    )  # fmt: skip
    # triage resolves two, then the next day's feeds: `sold` gone from CDK, `kept` still
    # not marketed nor tracked (resolved, but out of step all the same)
    resolve = InventoryException.objects.filter(vin__in=[sold, kept], kind="not_marketed")
    assert exception_resolve(exceptions=resolve, user=triage_user, note="sold / in photo") == 2
    load(
        cdk={kept: {"cost": "$35,120.00"}, tracked: {"cost": "1,000.50"}},
        vauto=[listing], lojack=[tracked], oem={"O1": {"vin": ordered, "msrp": "$48,200.00"}},
    )  # fmt: skip
    client = client_for(triage_user)
    summary = client.get("/api/inventory/summary").json()
    # by hand: kept (not marketed, no tracking), tracked (not marketed), ordered (OEM not
    # in CDK), listing (ghost)
    holding = {
        "oem_not_in_cdk": {ordered}, "not_marketed": {kept, tracked},
        "ghost_listing": {listing}, "no_tracking": {kept},
    }  # fmt: skip
    assert summary["exceptions"] == {kind: len(vins) for kind, vins in holding.items()}
    for kind, vins in holding.items():
        rows = listed(client, kind=kind, holds="true")
        assert {r["vin"] for r in rows} == vins, kind
        assert all(r["holds"] for r in rows)
    # the resolved `kept` is one of them, not among the open ones
    holding_now = listed(client, kind="not_marketed", holds="true")
    assert [r["state"] for r in holding_now if r["vin"] == kept] == ["resolved"]
    assert kept not in {r["vin"] for r in listed(client, kind="not_marketed", state="open")}
    # and the money: each figure is the amounts of the exceptions that hold
    impact = summary["impact"]

    def amounts(kind: str) -> Decimal:
        return sum(Decimal(str(r["amount"])) for r in listed(client, kind=kind, holds="true"))

    assert amounts("oem_not_in_cdk") == Decimal(str(impact["oem_at_risk"])) == Decimal("48200")
    assert amounts("not_marketed") == Decimal(str(impact["not_marketed_value"]))
    assert amounts("not_marketed") == Decimal("36120.50")
    assert amounts("no_tracking") == Decimal(str(impact["untracked_value"])) == Decimal("35120")
    # holds=false: what no longer holds, the resolved `sold` among them
    gone = {(r["vin"], r["kind"], r["state"]) for r in listed(client, holds="false")}
    assert gone == {(sold, "not_marketed", "resolved"), (sold, "no_tracking", "cleared")}
    assert not any(r["holds"] for r in listed(client, holds="false"))
