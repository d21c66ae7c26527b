"""Runs are never left "running" forever: heartbeats and the stale-run reaper (both databases)."""

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps as django_apps
from django.utils import timezone
from django_q.models import Schedule

from fleetops.models import AuditEntry, RunStatus
from fleetops.runs import run_heartbeat, run_models, runs_reap_stale
from inventory.models import FeedImport, ReconciliationRun
from invoices.models import IngestRun
from invoices.services import invoice_ingest
from monitoring.models import Metric
from sales.models import LoadRun
from tests.invoices.payloads import complaint, invoice, tech

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
STALE = dt.timedelta(minutes=35)


def _payload(n):
    return invoice(
        str(n), complaints=[complaint(n, labor="10", hours="1", techs=[tech("A", 100, 1)])],
        sub_total="10",
    )  # fmt: skip


def test_every_run_model_has_a_heartbeat():
    labels = {m._meta.label_lower for m in run_models()}
    assert labels == {
        "invoices.ingestrun", "inventory.feedimport", "inventory.reconciliationrun",
        "sales.loadrun",
    }  # fmt: skip


@pytest.mark.django_db
def test_silent_running_runs_are_failed_with_a_clear_error_and_living_ones_are_left_alone():
    with time_machine.travel(T0, tick=False):
        dead = IngestRun.objects.create()  # beat once, then its worker died
        run_heartbeat(dead)
        never_beat = ReconciliationRun.objects.create()
        alive = FeedImport.objects.create(source="cdk")
        finished = LoadRun.objects.create(status=RunStatus.SUCCEEDED, finished_at=T0)
    with time_machine.travel(T0 + dt.timedelta(minutes=30), tick=False):
        run_heartbeat(alive)  # still working 30 minutes in
    with time_machine.travel(T0 + dt.timedelta(minutes=40), tick=False):
        assert runs_reap_stale(stale_after=STALE) == 2
        assert runs_reap_stale(stale_after=STALE) == 0  # nothing left to reap
    dead.refresh_from_db()
    assert dead.status == RunStatus.FAILED
    assert dead.error.startswith("interrupted: the worker stopped without finishing")
    assert "no heartbeat since 2026-03-02 03:00:00 CST" in dead.error  # 09:00 UTC in Chicago
    assert dead.finished_at == T0 + dt.timedelta(minutes=40)
    never_beat.refresh_from_db()
    assert never_beat.status == RunStatus.FAILED
    assert "(no heartbeat since it started at 2026-03-02 03:00:00 CST)" in never_beat.error
    alive.refresh_from_db()
    assert alive.status == RunStatus.RUNNING and alive.error == ""
    finished.refresh_from_db()
    assert finished.status == RunStatus.SUCCEEDED
    audit = AuditEntry.objects.filter(action="run.reaped")
    assert sorted((a.object_type, a.object_id) for a in audit) == sorted(
        [("invoices.ingestrun", str(dead.pk)), ("inventory.reconciliationrun", str(never_beat.pk))]
    )
    assert Metric.objects.filter(source="invoices.ingest", run_id=dead.pk).exists()


@pytest.mark.django_db
def test_a_heartbeat_never_revives_a_reaped_run():
    with time_machine.travel(T0, tick=False):
        run = IngestRun.objects.create()
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        runs_reap_stale(stale_after=STALE)
        run_heartbeat(run, processed=5)
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.heartbeat_at is None and run.processed == 0


@pytest.mark.django_db
def test_a_new_ingest_first_fails_the_ingest_a_dead_worker_left_running():
    with time_machine.travel(T0, tick=False):
        dead = IngestRun.objects.create()
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        run = invoice_ingest(payloads=[_payload(1), _payload(2)], batch_size=1)
    dead.refresh_from_db()
    assert dead.status == RunStatus.FAILED and "interrupted" in dead.error
    assert run.status == RunStatus.SUCCEEDED and run.processed == 2
    assert run.heartbeat_at is not None  # beat after each batch


@pytest.mark.django_db
def test_the_reaper_schedule_exists_once_and_its_migration_is_idempotent():
    migration = importlib.import_module("fleetops.migrations.0004_reap_stale_runs_schedule")
    migration.create_schedule(django_apps, None)
    schedule = Schedule.objects.get(name=migration.SCHEDULE_NAME)
    assert schedule.func == "fleetops.tasks.runs_reap_stale_task"
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 5
    assert schedule.next_run > timezone.now()


@pytest.mark.django_db
def test_the_reaper_task_uses_the_configured_stale_age(settings):
    from fleetops.tasks import runs_reap_stale_task

    settings.FLEETOPS_RUN_STALE_SECONDS = 600
    with time_machine.travel(T0, tick=False):
        run = IngestRun.objects.create()
    with time_machine.travel(T0 + dt.timedelta(minutes=9), tick=False):
        assert runs_reap_stale_task() == 0
    with time_machine.travel(T0 + dt.timedelta(minutes=11), tick=False):
        assert runs_reap_stale_task() == 1
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED


@pytest.mark.django_db
def test_a_reconciliation_killed_holding_the_lock_does_not_block_the_next_one_once_reaped():
    from inventory.models import RunLock
    from inventory.services import vehicles_reconcile

    with time_machine.travel(T0, tick=False):
        dead = ReconciliationRun.objects.create()
        RunLock.objects.update_or_create(
            name="reconcile", defaults={"holder": f"run:{dead.pk}", "claimed_at": T0}
        )
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):  # lock not 2 h old yet
        run = vehicles_reconcile()
    assert run.status == RunStatus.SUCCEEDED
    dead.refresh_from_db()
    assert dead.status == RunStatus.FAILED and "interrupted" in dead.error
    assert RunLock.objects.get(name="reconcile").holder == ""


@pytest.mark.django_db
def test_a_redelivered_reconciliation_task_fails_the_interrupted_run_and_starts_a_fresh_one():
    from inventory.tasks import reconcile_task

    queued = ReconciliationRun.objects.create()  # POST /refresh queued it
    run_heartbeat(queued)  # a worker started it, then died (the task is delivered again)
    new_pk = reconcile_task(queued.pk)
    queued.refresh_from_db()
    assert queued.status == RunStatus.FAILED
    assert queued.error.startswith("interrupted: the worker stopped without finishing")
    assert new_pk != queued.pk
    assert ReconciliationRun.objects.get(pk=new_pk).status == RunStatus.SUCCEEDED


@pytest.mark.django_db
def test_a_queued_reconciliation_runs_under_its_own_row():
    from inventory.tasks import reconcile_task

    queued = ReconciliationRun.objects.create()
    assert reconcile_task(queued.pk) == queued.pk
    queued.refresh_from_db()
    assert queued.status == RunStatus.SUCCEEDED and queued.heartbeat_at is not None


@pytest.mark.django_db
def test_the_first_reconciliation_without_a_settings_row_computes_its_money():
    """Found by the fault tests: a settings row created on first use held a float rate."""
    from inventory.models import InventorySettings
    from inventory.services import vehicles_reconcile

    InventorySettings.objects.all().delete()
    run = vehicles_reconcile()
    assert run.status == RunStatus.SUCCEEDED
    assert InventorySettings.objects.count() == 1


@pytest.mark.django_db
def test_a_redelivered_feed_upload_fails_the_interrupted_import_and_imports_afresh():
    from inventory.services import feed_import
    from tests.inventory.factories import cdk_rows, make_vin

    queued = FeedImport.objects.create(source="cdk")  # a clerk's confirmed upload
    run_heartbeat(queued)  # a worker started it, then died
    run = feed_import(source="cdk", data=cdk_rows({make_vin(): {}}), run=queued)
    queued.refresh_from_db()
    assert queued.status == RunStatus.FAILED
    assert queued.error.startswith("interrupted: the worker stopped without finishing")
    assert run.pk != queued.pk and run.status == RunStatus.SUCCEEDED and run.vehicles == 1


@pytest.mark.django_db
def test_a_queued_feed_upload_imports_under_its_own_row():
    from inventory.services import feed_import
    from tests.inventory.factories import cdk_rows, make_vin

    queued = FeedImport.objects.create(source="cdk")
    run = feed_import(source="cdk", data=cdk_rows({make_vin(): {}}), run=queued)
    assert run.pk == queued.pk and run.status == RunStatus.SUCCEEDED
