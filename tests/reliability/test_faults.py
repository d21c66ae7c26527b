"""Faults with real processes on PostgreSQL: SIGKILLed clusters, dropped connections, torn imports.

Each test makes the worker stop at a known point instead of sleeping and hoping: the test
holds a row lock (a separate session) on a row the run will write mid-way, waits until the
run's committed progress shows and PostgreSQL reports the worker waiting on that lock, then
strikes. The work before the lock is committed; the work after it is not.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db.models import Count, Sum
from django.utils import timezone
from django_q.models import OrmQ, Task

from fleetops.models import AuditEntry, RunStatus
from invoices.generator import FullbayGenerator
from invoices.models import IngestRun, LineItem, RawInvoice
from invoices.services import invoice_ingest
from invoices.services.process import flatten_or_error
from tests.reliability.cluster import (
    Blocker,
    backends_waiting_on_locks,
    enqueue,
    pg_terminate,
    wait_for,
)

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
INGEST_TASK = "invoices.tasks.invoices_ingest_files_task"
N = 1500  # three batches of 500
LOCKED = 700  # an invoice of the second batch, stored before in an older version


def _payloads(n: int = N) -> list[dict]:
    return FullbayGenerator(seed=7, customers=30).invoices(n)


def _expected_lines(payloads: list[dict]) -> dict[str, tuple[int, Decimal]]:
    """Per primaryKey: number of lines and their total, from each payload on its own."""
    expected = {}
    for p in payloads:
        result = flatten_or_error(p)
        assert not isinstance(result, str), result
        expected[str(p["primaryKey"])] = (
            len(result.rows), sum((r.item.amount for r in result.rows), Decimal("0")),
        )  # fmt: skip
    return expected


def _stored_lines() -> dict[str, tuple[int, Decimal]]:
    rows = (
        LineItem.objects.values("raw_invoice__primary_key")
        .annotate(n=Count("id"), total=Sum("amount"))
        .values_list("raw_invoice__primary_key", "n", "total")
    )
    return {pk: (n, total) for pk, n, total in rows}


def _write(tmp_path, name: str, payloads: list[dict]) -> str:
    path = tmp_path / name
    path.write_text(json.dumps(payloads))
    return str(path)


def _older_version_stored(payload: dict) -> RawInvoice:
    old = json.loads(json.dumps(payload))
    old["invoiceNumber"] = f"{old.get('invoiceNumber', '')}-draft"
    invoice_ingest(payloads=[old])
    return RawInvoice.objects.get(primary_key=str(payload["primaryKey"]))


def _block_on(raw: RawInvoice) -> Blocker:
    blocker = Blocker()
    blocker.execute("SELECT id FROM invoices_rawinvoice WHERE id = %s FOR UPDATE", [raw.pk])
    return blocker


def _blocked_after_first_batch(blocker: Blocker, clusters) -> IngestRun:
    """Wait until batch 1 is committed (heartbeat counts) and the worker waits on our lock."""

    def ready():
        run = IngestRun.objects.filter(status=RunStatus.RUNNING, processed__gte=500).first()
        return run if run and backends_waiting_on_locks(exclude=blocker.pid) else None

    return wait_for(ready, timeout=60, what="the worker blocked in batch 2", clusters=clusters)


def test_qcluster_killed_mid_invoice_batch_then_restarted_processes_every_invoice_once(
    qclusters, tmp_path
):
    payloads = _payloads()
    expected = _expected_lines(payloads)
    locked = _older_version_stored(payloads[LOCKED])
    path = _write(tmp_path, "invoices.json", payloads)
    blocker = _block_on(locked)
    try:
        enqueue(INGEST_TASK, [path])
        first = qclusters(Q_RETRY=3)  # the task is offered again 3 s after the crash
        killed = _blocked_after_first_batch(blocker, qclusters.all)
        first.kill()
    finally:
        blocker.close()

    # Batch 1 is committed, batch 2 died with its transaction; the run row cannot say so.
    assert RawInvoice.objects.count() == 501
    assert LineItem.objects.filter(raw_invoice__status=RawInvoice.Status.PROCESSED).exists()
    killed.refresh_from_db()
    assert killed.status == RunStatus.RUNNING and killed.processed == 500

    # The restarted cluster judges a run stale 2 s after its last heartbeat: restart only
    # once that has passed, or a fast restart would find the dead run still "fresh".
    last_beat = killed.heartbeat_at or killed.started_at
    while timezone.now() < last_beat + timedelta(seconds=3):
        time.sleep(0.2)
    qclusters(RUN_STALE_SECONDS=2)  # the restart
    wait_for(
        lambda: not OrmQ.objects.exists() and Task.objects.filter(success=True).exists(),
        timeout=90, what="the redelivered task to finish", clusters=qclusters.all,
    )  # fmt: skip

    killed.refresh_from_db()
    assert killed.status == RunStatus.FAILED
    assert killed.error.startswith("interrupted: the worker stopped without finishing")
    assert killed.finished_at is not None
    assert AuditEntry.objects.filter(action="run.reaped", object_id=str(killed.pk)).exists()
    rerun = IngestRun.objects.exclude(pk__in=[killed.pk, locked.run_id]).get()
    assert rerun.status == RunStatus.SUCCEEDED
    assert (rerun.processed, rerun.skipped, rerun.failed) == (N - 500, 500, 0)

    # Every invoice processed exactly once (the locked one: once per version), no line lost
    # or duplicated.
    assert RawInvoice.objects.count() == N
    assert set(RawInvoice.objects.values_list("status", flat=True)) == {"processed"}
    attempts = dict(RawInvoice.objects.values_list("primary_key", "attempts"))
    assert Counter(attempts.values()) == Counter({1: N - 1, 2: 1})
    assert attempts[str(payloads[LOCKED]["primaryKey"])] == 2
    assert _stored_lines() == expected
    assert LineItem.objects.count() == sum(n for n, _ in expected.values())
    assert Task.objects.filter(success=True).count() == 1


def test_connection_dropped_mid_ingest_fails_the_run_cleanly_and_a_retry_succeeds(
    qclusters, tmp_path
):
    payloads = _payloads()
    expected = _expected_lines(payloads)
    locked = _older_version_stored(payloads[LOCKED])
    path = _write(tmp_path, "invoices.json", payloads)
    blocker = _block_on(locked)
    try:
        enqueue(INGEST_TASK, [path])
        qclusters()
        broken = _blocked_after_first_batch(blocker, qclusters.all)
        (worker_pid,) = backends_waiting_on_locks(exclude=blocker.pid)
        assert pg_terminate(worker_pid)  # the database drops the worker's connection
        wait_for(
            lambda: Task.objects.filter(success=False).exists(),
            timeout=60, what="the task to fail", clusters=qclusters.all,
        )  # fmt: skip
    finally:
        blocker.close()

    broken.refresh_from_db()
    assert broken.status == RunStatus.FAILED  # marked by the worker itself, not the reaper
    assert "terminating connection" in broken.error or "connection" in broken.error.lower()
    assert broken.finished_at is not None and broken.processed == 500
    assert not AuditEntry.objects.filter(action="run.reaped").exists()
    failed_task = Task.objects.get(success=False)
    assert "connection" in str(failed_task.result).lower()

    enqueue(INGEST_TASK, [path])  # the retry, on the same (still running) cluster
    wait_for(
        lambda: Task.objects.filter(success=True).exists(),
        timeout=60, what="the retry to finish", clusters=qclusters.all,
    )  # fmt: skip
    retry = IngestRun.objects.get(pk=Task.objects.get(success=True).result)
    assert retry.status == RunStatus.SUCCEEDED
    assert (retry.processed, retry.skipped, retry.failed) == (N - 500, 500, 0)
    assert set(RawInvoice.objects.values_list("status", flat=True)) == {"processed"}
    attempts = Counter(RawInvoice.objects.values_list("attempts", flat=True))
    assert attempts == Counter({1: N - 1, 2: 1})
    assert _stored_lines() == expected


# -- inventory ---------------------------------------------------------------------------


def _feeds(tmp_path, vehicles: int = 1500):
    from inventory.feeds.generate import feeds_write, population

    cars = population(vehicles=vehicles, stores=2, days=2, seed=11)
    return feeds_write(cars=cars, stores=2, days=2, seed=11, out=tmp_path / "feeds")


def _import_day(folder) -> None:
    from inventory.services import feed_import

    for source in ("cdk", "vauto", "lojack", "oem"):
        run = feed_import(source=source, path=folder / f"{source}.csv")
        assert run.status == RunStatus.SUCCEEDED, run.error


def _snapshot(source: str) -> list[tuple]:
    from inventory.models import SourceRecord

    return list(
        SourceRecord.objects.filter(source=source)
        .order_by("key")
        .values_list("key", "vin", "store", "stock_number", "cost", "price", "feed_import_id")
    )


def _exceptions() -> list[tuple]:
    from inventory.models import InventoryException

    return list(
        InventoryException.objects.order_by("vin", "kind", "id").values_list(
            "vin", "kind", "state", "priority", "active", "amount"
        )
    )


def _vehicles() -> list[tuple]:
    from inventory.models import Vehicle

    return list(Vehicle.objects.order_by("vin").values_list("vin", "combo", "price", "cost"))


def test_feed_import_killed_halfway_leaves_the_previous_snapshot_intact(
    qclusters, tmp_path, settings
):
    import csv
    import os
    import signal
    import subprocess
    import sys

    from fleetops.vin import vin_normalise
    from inventory.models import DirtyVin, FeedImport, SourceRecord
    from inventory.services import feed_import
    from tests.reliability.cluster import ROOT, database_url

    day1, _ = _feeds(tmp_path)
    assert feed_import(source="cdk", path=day1 / "cdk.csv").status == RunStatus.SUCCEEDED
    before = _snapshot("cdk")
    dirty_before = DirtyVin.objects.count()

    # The next snapshot: every 10th vehicle gone, one price changed (its row we lock).
    with (day1 / "cdk.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    price = header.index("List Price")
    kept = [r for i, r in enumerate(body) if i % 10]
    changed_vin = vin_normalise(kept[3][header.index("VIN")])
    kept[3][price] = "99999.00"
    day2 = tmp_path / "cdk-next.csv"
    with day2.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([header, *kept])

    blocker = Blocker()
    try:
        blocker.execute(
            "SELECT id FROM inventory_sourcerecord WHERE source = 'cdk' AND key = %s FOR UPDATE",
            [changed_vin],
        )
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "fleetops.settings", "DEBUG": "true",
               "DATABASE_URL": database_url()}  # fmt: skip
        proc = subprocess.Popen(
            [sys.executable, "manage.py", "import_feed", "cdk", str(day2)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        try:
            wait_for(
                lambda: FeedImport.objects.filter(status=RunStatus.RUNNING).exists()
                and backends_waiting_on_locks(exclude=blocker.pid),
                timeout=60, what="the import to block while writing",
            )  # fmt: skip
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.wait(10)
    finally:
        blocker.close()

    assert _snapshot("cdk") == before  # nothing of the half-written import is visible
    assert DirtyVin.objects.count() == dirty_before
    interrupted = FeedImport.objects.get(status=RunStatus.RUNNING)

    settings.FLEETOPS_RUN_STALE_SECONDS = 0  # the next import reaps it at once
    again = feed_import(source="cdk", path=day2)
    assert again.status == RunStatus.SUCCEEDED
    interrupted.refresh_from_db()
    assert interrupted.status == RunStatus.FAILED and "interrupted" in interrupted.error
    after = SourceRecord.objects.filter(source="cdk")
    dropped = {vin_normalise(r[header.index("VIN")]) for i, r in enumerate(body) if i % 10 == 0}
    assert dropped and changed_vin not in dropped
    expected_keys = {key for key, *_ in before} - dropped  # the file's snapshot, by hand
    assert set(after.values_list("key", flat=True)) == expected_keys
    assert after.count() == again.vehicles == len(expected_keys)
    assert str(after.get(key=changed_vin).price) == "99999.00"


def test_qcluster_killed_mid_reconciliation_then_restarted_fails_the_run_and_loses_nothing(
    qclusters, tmp_path
):
    from inventory.models import DirtyVin, ReconciliationRun, RunLock, Vehicle
    from inventory.services import vehicles_reconcile

    day1, day2 = _feeds(tmp_path)
    _import_day(day1)
    vehicles_reconcile()
    _import_day(day2)  # the changes queue their VINs for the next reconciliation
    exceptions_before, vehicles_before = _exceptions(), _vehicles()
    dirty = DirtyVin.objects.count()
    assert dirty > 0
    victim = Vehicle.objects.filter(vin__in=DirtyVin.objects.values("vin")).first()

    queued = ReconciliationRun.objects.create()  # what POST /api/inventory/refresh does
    blocker = Blocker()
    try:
        blocker.execute("SELECT id FROM inventory_vehicle WHERE vin = %s FOR UPDATE", [victim.vin])
        enqueue("inventory.tasks.reconcile_task", queued.pk)
        # Q_RETRY=3 would also make 3 s the stale threshold: the run row queued before the
        # cluster started would be failed by the worker-start reaper before it ran.
        first = qclusters(Q_RETRY=3, RUN_STALE_SECONDS=600)
        wait_for(
            lambda: ReconciliationRun.objects.filter(pk=queued.pk, heartbeat_at__isnull=False)
            .exists() and backends_waiting_on_locks(exclude=blocker.pid),
            timeout=60, what="the reconciliation to block mid-transaction",
            clusters=qclusters.all,
        )  # fmt: skip
        first.kill()
    finally:
        blocker.close()

    # Killed inside its transaction: nothing changed, the queue is intact, the lock still held.
    assert _exceptions() == exceptions_before and _vehicles() == vehicles_before
    assert DirtyVin.objects.count() == dirty
    queued.refresh_from_db()
    assert queued.status == RunStatus.RUNNING
    assert RunLock.objects.get(name="reconcile").holder == f"run:{queued.pk}"

    qclusters()  # the restart: the task is delivered again
    wait_for(
        lambda: not OrmQ.objects.exists() and Task.objects.filter(success=True).exists(),
        timeout=90, what="the redelivered reconciliation", clusters=qclusters.all,
    )  # fmt: skip
    queued.refresh_from_db()
    assert queued.status == RunStatus.FAILED
    assert queued.error.startswith("interrupted: the worker stopped without finishing")
    fresh = ReconciliationRun.objects.get(pk=Task.objects.get(success=True).result)
    assert fresh.pk != queued.pk and fresh.status == RunStatus.SUCCEEDED
    assert not DirtyVin.objects.exists()
    assert RunLock.objects.get(name="reconcile").holder == ""

    # The incremental rerun after the crash equals a full recomputation.
    after_exceptions, after_vehicles = _exceptions(), _vehicles()
    assert vehicles_reconcile(full=True).status == RunStatus.SUCCEEDED
    assert _exceptions() == after_exceptions and _vehicles() == after_vehicles
    assert after_exceptions != exceptions_before  # the day-2 changes were applied


def test_connection_dropped_mid_reconciliation_fails_it_cleanly_and_a_retry_succeeds(
    qclusters, tmp_path
):
    from inventory.models import DirtyVin, ReconciliationRun, RunLock, Vehicle
    from inventory.services import vehicles_reconcile

    day1, day2 = _feeds(tmp_path, vehicles=800)
    _import_day(day1)
    vehicles_reconcile()
    _import_day(day2)
    exceptions_before, dirty = _exceptions(), DirtyVin.objects.count()
    victim = Vehicle.objects.filter(vin__in=DirtyVin.objects.values("vin")).first()
    blocker = Blocker()
    try:
        blocker.execute("SELECT id FROM inventory_vehicle WHERE vin = %s FOR UPDATE", [victim.vin])
        enqueue("inventory.tasks.reconcile_task")
        qclusters()
        broken = wait_for(
            lambda: backends_waiting_on_locks(exclude=blocker.pid)
            and ReconciliationRun.objects.filter(status=RunStatus.RUNNING).first(),
            timeout=60, what="the reconciliation to block", clusters=qclusters.all,
        )  # fmt: skip
        (worker_pid,) = backends_waiting_on_locks(exclude=blocker.pid)
        assert pg_terminate(worker_pid)
        wait_for(
            lambda: Task.objects.filter(success=False).exists(),
            timeout=60, what="the task to fail", clusters=qclusters.all,
        )  # fmt: skip
    finally:
        blocker.close()

    broken.refresh_from_db()
    assert broken.status == RunStatus.FAILED and "connection" in broken.error.lower()
    assert broken.finished_at is not None
    assert RunLock.objects.get(name="reconcile").holder == ""  # released on the way out
    assert _exceptions() == exceptions_before and DirtyVin.objects.count() == dirty

    enqueue("inventory.tasks.reconcile_task")  # the retry
    wait_for(
        lambda: Task.objects.filter(success=True).exists(),
        timeout=60, what="the retry to finish", clusters=qclusters.all,
    )  # fmt: skip
    retry = ReconciliationRun.objects.get(pk=Task.objects.get(success=True).result)
    assert retry.status == RunStatus.SUCCEEDED and not DirtyVin.objects.exists()
    after = _exceptions()
    assert vehicles_reconcile(full=True).status == RunStatus.SUCCEEDED
    assert _exceptions() == after != exceptions_before


def test_a_cluster_task_ingesting_several_files_runs_in_its_worker_without_forking(
    qclusters, tmp_path
):
    """django-q2 workers are daemonic processes, which may not have children: a task given
    several files ingests them in the worker itself instead of a process pool."""
    payloads = _payloads(600)
    expected = _expected_lines(payloads)
    folder = tmp_path / "batch"
    folder.mkdir()
    paths = [_write(folder, f"part-{i}.json", payloads[i::3]) for i in range(3)]
    enqueue(INGEST_TASK, paths)
    qclusters()
    wait_for(
        lambda: Task.objects.exists(), timeout=60, what="the task to end", clusters=qclusters.all
    )
    task = Task.objects.get()
    assert task.success, task.result
    run = IngestRun.objects.get(pk=task.result)
    assert (run.status, run.processed, run.failed) == (RunStatus.SUCCEEDED, 600, 0)
    assert _stored_lines() == expected
