"""Confirming a probable match while a vAuto import runs (PostgreSQL)."""

import threading
import time

import pytest
from django.db import connection, connections, transaction

from inventory.feeds.writer import feed_lock
from inventory.models import ProbableMatch, SourceRecord, VinAlias
from inventory.services import match_confirm, vehicles_reconcile
from tests.inventory.factories import make_vin
from tests.reliability.cluster import require_postgres

pytestmark = pytest.mark.postgres


@pytest.mark.django_db(transaction=True)
def test_a_match_confirmed_while_a_vauto_import_lists_the_vin_waits_for_it(load, triage_user):
    """The confirm re-keys the listing to the VIN unless vAuto already lists the VIN. An
    import listing it, not yet committed, was invisible to that check: the re-key then met
    the import's row in the unique index and the confirm failed with an IntegrityError (an
    error page for the clerk). It now waits for the vAuto import to commit, then sees the
    VIN listed and leaves the listing row as it is."""
    require_postgres("the import lock is a PostgreSQL advisory lock")
    vin = make_vin()
    typo = vin[:5] + ("A" if vin[5] != "A" else "B") + vin[6:]  # one character off
    load(cdk={vin: {}}, vauto=[typo], lojack=[vin], reconcile=False)
    vehicles_reconcile()
    match = ProbableMatch.objects.get(vehicle_vin=vin, listing_key=typo)
    outcome = {}

    def confirm():
        try:
            outcome["won"] = match_confirm(match=match, user=triage_user)
        except Exception as exc:  # noqa: BLE001 (the outcome under test)
            outcome["error"] = exc
        finally:
            connections.close_all()

    with transaction.atomic():  # the vAuto import, listing the VIN itself
        with connection.cursor() as cursor:
            feed_lock(cursor, "vauto")
        SourceRecord.objects.create(source="vauto", key=vin, vin=vin, vin8=vin[-8:])
        worker = threading.Thread(target=confirm)
        worker.start()
        time.sleep(0.5)  # the confirm reaches the import's lock (or, before, its check)
    worker.join(30)

    assert outcome == {"won": True}
    listed = SourceRecord.objects.filter(source="vauto").order_by("key")
    assert sorted(listed.values_list("key", flat=True)) == sorted([vin, typo])
    assert VinAlias.objects.get(source="vauto", from_key=typo).vin == vin
