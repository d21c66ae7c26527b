"""Concurrency with real processes and separate connections on PostgreSQL.

Runs are made to collide on purpose, not by luck: a separate session holds a lock that
every contender needs first, the test waits until PostgreSQL shows all of them waiting on
it, then lets go, so they start at the same instant.
"""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
from django.db import connections
from django.urls import reverse
from django_q.models import OrmQ, Task

from fleetops.models import AuditEntry, RunStatus
from invoices.models import IngestRun, LineItem, RawInvoice
from tests.reliability.cluster import (
    Blocker,
    backends_waiting_on_locks,
    conninfo,
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


RESOLVED_1 = "Resolved 1 exception."
RESOLVED_0 = "Resolved 0 exceptions."
NOT_CHANGED = (
    "1 were not changed: someone else changed them first or their state does not allow it."
)
MESSAGES = (RESOLVED_1, RESOLVED_0, NOT_CHANGED)


def _all_waiting(blocker: Blocker, count: int):
    return lambda: len(backends_waiting_on_locks(exclude=blocker.pid)) >= count


def _waiting_applications(blocker: Blocker) -> list[str]:
    """``application_name`` of every session waiting on a lock (blocked workers)."""
    pids = backends_waiting_on_locks(exclude=blocker.pid)
    if not pids:
        return []
    return [name for (name,) in _query(
        "SELECT application_name FROM pg_stat_activity WHERE pid = ANY(%s)", [pids]
    )]  # fmt: skip


def _query(sql: str, params) -> list:
    import psycopg

    with psycopg.connect(conninfo(), autocommit=True) as conn:
        return conn.execute(sql, params).fetchall()


def _overlapping_tasks(total: int, core: int) -> list[list[int]]:
    """Four tasks of invoice indexes: each starts with every ``core`` invoice (in its own
    order, so every first batch holds them all), then an overlapping window of the rest;
    together they cover every invoice."""
    rest = total - core
    windows = [
        range(core, core + rest // 2),
        range(core + rest // 4, core + 3 * rest // 4),
        range(core + rest // 2, total),
        [*range(core, core + rest // 8), *range(total - rest // 4, total)],
    ]
    tasks = []
    for seed, window in enumerate(windows):
        head = list(range(core))
        random.Random(seed).shuffle(head)
        tasks.append(head + list(window))
    return tasks


def test_two_clusters_on_one_queue_ingesting_overlapping_batches_process_each_invoice_once(
    qclusters, tmp_path
):
    """The production topology: two ``qcluster`` processes serving the same queue.

    Four tasks hold overlapping sets of the same invoices (300 in every first batch). A
    gate (a SHARE lock on the raw invoice table) lets every worker read what is stored,
    find nothing, and stop at its first write; the test goes on only when PostgreSQL shows
    one worker of each cluster (told apart by ``application_name``) waiting there, so both
    clusters write and claim the same 300 new invoices at the same instant. One queue
    cannot starve a cluster: a 1-worker cluster holds at most three tasks (one running,
    one in its queue of ``workers**2``, one in its pusher's hand), and there are four.
    """
    total, core = 1000, 300
    payloads = _payloads(total)
    expected = _expected_lines(payloads)
    tasks = _overlapping_tasks(total, core)
    assert set().union(*tasks) == set(range(total))
    paths = [
        _write(tmp_path, f"batch-{i}.json", [payloads[j] for j in task])
        for i, task in enumerate(tasks)
    ]
    gate = Blocker()
    try:
        gate.execute("LOCK TABLE invoices_rawinvoice IN SHARE MODE")  # reads pass, writes wait
        for path in paths:
            enqueue(INGEST_TASK, [path])  # one queue: the default cluster name
        qclusters(PGAPPNAME="cluster-a")
        qclusters(PGAPPNAME="cluster-b")
        wait_for(
            lambda: sorted(_waiting_applications(gate)) == ["cluster-a", "cluster-b"],
            timeout=60, what="a worker of each cluster at the gate", clusters=qclusters.all,
        )  # fmt: skip
    finally:
        gate.close()  # both go at once
    wait_for(
        lambda: not OrmQ.objects.exists() and Task.objects.count() == len(tasks),
        timeout=120, what="every ingest to finish", clusters=qclusters.all,
    )  # fmt: skip

    assert set(Task.objects.values_list("cluster", flat=True)) == {"fleetops"}  # one queue
    assert Task.objects.filter(success=True).count() == len(tasks), list(
        Task.objects.values_list("result", flat=True)
    )
    runs = list(IngestRun.objects.order_by("pk"))
    assert len(runs) == len(tasks)
    assert all(r.status == RunStatus.SUCCEEDED and r.finished_at for r in runs), [
        (r.status, r.error) for r in runs
    ]
    assert sum(r.failed for r in runs) == 0
    first, second = runs[:2]  # the two that met at the gate
    assert first.started_at < second.finished_at and second.started_at < first.finished_at
    # Each invoice processed by exactly one run, once.
    assert sum(r.processed for r in runs) == total
    assert RawInvoice.objects.count() == total
    assert set(RawInvoice.objects.values_list("status", "attempts")) == {("processed", 1)}
    by_run = Counter(RawInvoice.objects.values_list("run_id", flat=True))
    assert {r.pk: r.processed for r in runs if r.processed} == dict(by_run)
    # Line items exact: every invoice's lines are those of its payload flattened on its own.
    assert _stored_lines() == expected
    assert LineItem.objects.count() == sum(n for n, _ in expected.values())
    assert LineItem.objects.values("raw_invoice_id", "line_number").distinct().count() == (
        LineItem.objects.count()
    )
    assert sum(r.line_items_created for r in runs) == LineItem.objects.count()


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
