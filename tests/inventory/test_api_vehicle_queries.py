"""``GET /api/inventory/vehicles/{vin}`` finds a vehicle's exceptions through an index.

The exceptions' vehicle key has no index (a million-vehicle reconciliation writes it on
every exception it opens, see ``InventoryException.vehicle``); their VIN has one (the
``(vin, kind)`` constraint). Read by the vehicle key, the route scanned the whole table:
~400k rows at a million vehicles, for every vehicle looked up.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from inventory.models import InventoryException
from tests.inventory.factories import make_vin

pytestmark = pytest.mark.django_db

TABLE = InventoryException._meta.db_table


def scans_the_whole_table(sql: str) -> bool:
    """Whether the database plans ``sql`` as a full scan of the exceptions table (on
    PostgreSQL with sequential scans priced out, so a usable index is always taken)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            return f"Seq Scan on {TABLE}" in plan
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())
        return f"SCAN {TABLE}" in plan.replace("TABLE ", "")


def test_a_vehicle_s_exceptions_are_read_through_an_index(load, triage_user, client_for):
    vins = [make_vin() for _ in range(6)]
    load(cdk={v: {} for v in vins}, vauto=vins[:2], lojack=vins[2:4])
    client = client_for(triage_user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/inventory/vehicles/{vins[4]}")
    assert response.status_code == 200
    assert {e["kind"] for e in response.json()["exceptions"]} == {"not_marketed", "no_tracking"}
    reads = [q["sql"] for q in queries if f'FROM "{TABLE}"' in q["sql"]]
    assert reads, "the route reads the exceptions"
    assert not [sql for sql in reads if scans_the_whole_table(sql)], reads
