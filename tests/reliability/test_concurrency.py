"""Concurrency with real processes and separate connections on PostgreSQL.

Runs are made to collide on purpose, not by luck: a separate session holds a lock that
every contender needs first, the test waits until PostgreSQL shows all of them waiting on
it, then lets go, so they start at the same instant.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.urls import reverse
from django_q.models import OrmQ, Task

from fleetops.models import AuditEntry, RunStatus
from invoices.models import IngestRun, LineItem, RawInvoice
from tests.reliability.cluster import (
    Blocker,
    backends_waiting_on_locks,
    enqueue,
    require_postgres,
    wait_for,
)
from tests.reliability.test_faults import (
    INGEST_TASK,
    _expected_lines,
    _feeds,
    _import_day,
    _payloads,
    _stored_lines,
    _write,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]


RESOLVED_1 = "Resolved 1 exception(s)."
RESOLVED_0 = "Resolved 0 exception(s)."
NOT_CHANGED = (
    "1 were not changed: someone else changed them first or their state does not allow it."
)
MESSAGES = (RESOLVED_1, RESOLVED_0, NOT_CHANGED)


def _all_waiting(blocker: Blocker, count: int):
    return lambda: len(backends_waiting_on_locks(exclude=blocker.pid)) >= count


def test_two_clusters_ingesting_overlapping_batches_process_each_invoice_once(qclusters, tmp_path):
    payloads = _payloads(2000)
    expected = _expected_lines(payloads)
    first = _write(tmp_path, "first.json", payloads[:1500])  # invoices 0-1499
    second = _write(tmp_path, "second.json", payloads[500:])  # invoices 500-1999
    gate = Blocker()  # no run can start until both workers wait at the gate
    try:
        gate.execute("LOCK TABLE invoices_ingestrun IN EXCLUSIVE MODE")
        # Each cluster serves its own queue so each takes one task (with one shared queue,
        # one cluster may take both, one after the other, and nothing would overlap).
        enqueue(INGEST_TASK, [first], cluster="fleetops-a")
        enqueue(INGEST_TASK, [second], cluster="fleetops-b")
        qclusters("fleetops-a")
        qclusters("fleetops-b")
        wait_for(_all_waiting(gate, 2), timeout=60, what="both workers at the gate",
                 clusters=qclusters.all)  # fmt: skip
    finally:
        gate.close()  # both go at once
    wait_for(
        lambda: not OrmQ.objects.exists() and Task.objects.count() == 2,
        timeout=120, what="both ingests to finish", clusters=qclusters.all,
    )  # fmt: skip

    assert Task.objects.filter(success=True).count() == 2, list(
        Task.objects.values_list("result", flat=True)
    )
    a, b = IngestRun.objects.order_by("source")
    assert (a.status, b.status) == (RunStatus.SUCCEEDED, RunStatus.SUCCEEDED), (a.error, b.error)
    assert a.started_at < b.finished_at and b.started_at < a.finished_at  # they overlapped
    assert a.processed + b.processed == 2000  # each invoice processed by exactly one of them
    assert a.failed == b.failed == 0
    assert RawInvoice.objects.count() == 2000
    assert set(RawInvoice.objects.values_list("status", "attempts")) == {("processed", 1)}
    assert _stored_lines() == expected
    assert LineItem.objects.count() == sum(n for n, _ in expected.values())


def test_two_reconciliations_requested_at_once_one_runs_the_other_is_refused(qclusters, tmp_path):
    from inventory.models import DirtyVin, ReconciliationRun, RunLock
    from inventory.services import vehicles_reconcile

    day1, day2 = _feeds(tmp_path, vehicles=800)
    _import_day(day1)
    vehicles_reconcile()
    _import_day(day2)
    ReconciliationRun.objects.all().delete()
    gate, hold = Blocker(), Blocker()
    try:
        gate.execute("LOCK TABLE inventory_reconciliationrun IN EXCLUSIVE MODE")
        # The winner waits inside its transaction until the loser has been answered.
        hold.execute("LOCK TABLE inventory_vehicle IN SHARE MODE")
        enqueue("inventory.tasks.reconcile_task", cluster="fleetops-a")
        enqueue("inventory.tasks.reconcile_task", cluster="fleetops-b")
        qclusters("fleetops-a")
        qclusters("fleetops-b")
        wait_for(_all_waiting(gate, 2), timeout=60, what="both reconciliations at the gate",
                 clusters=qclusters.all)  # fmt: skip
        gate.release()
        refused = wait_for(
            lambda: ReconciliationRun.objects.filter(status=RunStatus.REJECTED).first(),
            timeout=60, what="one reconciliation to be refused", clusters=qclusters.all,
        )  # fmt: skip
        winner = ReconciliationRun.objects.exclude(pk=refused.pk).get()
        assert winner.status == RunStatus.RUNNING  # still working while the other was refused
        assert RunLock.objects.get(name="reconcile").holder == f"run:{winner.pk}"
    finally:
        gate.close()
        hold.close()
    wait_for(
        lambda: not OrmQ.objects.exists() and Task.objects.count() == 2,
        timeout=90, what="both tasks to end", clusters=qclusters.all,
    )  # fmt: skip

    winner.refresh_from_db()
    assert winner.status == RunStatus.SUCCEEDED
    assert refused.error == (f"Another reconciliation is running (run:{winner.pk}); not started.")
    assert refused.finished_at is not None
    assert sorted(Task.objects.values_list("result", flat=True)) == sorted([winner.pk, refused.pk])
    assert not DirtyVin.objects.exists()
    assert RunLock.objects.get(name="reconcile").holder == ""


def test_two_triage_users_resolving_the_same_exception_at_once_one_wins_the_other_is_told(
    transactional_db,
):
    require_postgres()
    from django.test import Client

    from inventory.models import InventoryException
    from inventory.services import feed_import, vehicles_reconcile
    from tests.factories import TriageUserFactory
    from tests.inventory import factories as f

    vin = f.make_vin()
    assert feed_import(source="oem", data=f.oem_rows({"O1": {"vin": vin}})).status == "succeeded"
    vehicles_reconcile()
    exc = InventoryException.objects.get(vin=vin, kind="oem_not_in_cdk")
    users = [TriageUserFactory(username="ana"), TriageUserFactory(username="ben")]
    url = reverse("admin:inventory_inventoryexception_changelist")
    answers: dict[str, list[str]] = {}

    def resolve(user):
        client = Client()
        client.force_login(user)
        try:
            response = client.post(
                url, {"action": "resolve", "_selected_action": [exc.pk],
                      "note": f"{user.username}: keyed into CDK"}, follow=True,
            )  # fmt: skip
            # The page itself, not response.context: the test client's template signal is
            # global, so with two threads rendering at once it can capture the other's context.
            page = response.content.decode()
            answers[user.username] = [m for m in MESSAGES if m in page]
        finally:
            connections.close_all()

    gate = Blocker()  # both requests reach the row lock, then go at the same instant
    try:
        gate.execute("SELECT id FROM inventory_inventoryexception WHERE id = %s FOR UPDATE",
                     [exc.pk])  # fmt: skip
        threads = [threading.Thread(target=resolve, args=(u,)) for u in users]
        for t in threads:
            t.start()
        wait_for(_all_waiting(gate, 2), timeout=30, what="both requests at the row lock")
    finally:
        gate.close()
    for t in threads:
        t.join(30)

    exc.refresh_from_db()
    assert exc.state == "resolved"
    winner = exc.resolved_by.username
    loser = ({"ana", "ben"} - {winner}).pop()
    assert exc.note == f"{winner}: keyed into CDK"
    assert answers[winner] == [RESOLVED_1]
    assert answers[loser] == [RESOLVED_0, NOT_CHANGED]
    trail = AuditEntry.objects.filter(object_type="inventory.inventoryexception",
                                      object_id=str(exc.pk)).exclude(actor=None)  # fmt: skip
    assert [(e.actor.username, e.action, e.note) for e in trail] == [
        (winner, "inventory_exception.resolve", f"{winner}: keyed into CDK")
    ]
