"""The matrix lists its combinations most vehicles first (ties in letter order) wherever it
is read: ``reconcile --json``, ``GET summary``, ``GET matrix``, ``GET dashboard.json``.

PostgreSQL's jsonb keeps an object's keys shortest first (``C``, ``L``, ``CO``, ``CVL``),
not in the order written: the API read the stored matrix back in that order, so on
PostgreSQL ``GET summary`` printed another object than ``reconcile --json`` (which prints
the run it has just computed) and the dashboard's matrix table lost its order.
"""

import io
import json

import pytest
from django.core.management import call_command

from tests.inventory.factories import make_vin

pytestmark = pytest.mark.django_db


def test_every_read_of_the_matrix_lists_most_vehicles_first(load, manager, client_for):
    aligned = [make_vin() for _ in range(3)]  # CVL x3
    cdk_only = [make_vin() for _ in range(2)]  # C x2
    cdk_oem, tracked_only = make_vin(), make_vin()  # CO, L
    load(
        cdk={v: {} for v in [*aligned, *cdk_only, cdk_oem]},
        vauto=aligned,
        lojack=[*aligned, tracked_only],
        oem={"O1": {"vin": cdk_oem}},
        reconcile=False,
    )
    out = io.StringIO()
    call_command("reconcile", "--json", stdout=out)
    printed = out.getvalue().rstrip("\n")
    # by hand: counts descending, then the letters
    expected = [("CVL", 3), ("C", 2), ("CO", 1), ("L", 1)]
    assert list(json.loads(printed)["matrix"].items()) == expected

    client = client_for(manager)
    summary = client.get("/api/inventory/summary")
    assert list(summary.json()["matrix"].items()) == expected
    assert summary.content.decode() == printed  # the same object, to the byte
    matrix = client.get("/api/inventory/matrix").json()["matrix"]
    assert list(matrix.items()) == expected
    dashboard = client.get("/api/inventory/dashboard.json").json()
    assert list(dashboard["summary"]["matrix"].items()) == expected
    assert list(dashboard["links"]["matrix"]) == [combo for combo, _ in expected]
