"""Retention prunes old, unreferenced rows and nothing that is still live.

Every row below is placed by hand on one side of its rule; the expected survivors
are listed by name, not computed with the code under test.
"""

import uuid
from datetime import timedelta
from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone
from django_q.models import Failure, Schedule, Success, Task

from fleetops.models import AuditEntry, LoginFailure
from fleetops.retention import retention_prune
from invoices.models import InvoiceIssue, LineItem, RawInvoice
from invoices.services import invoice_ingest
from monitoring.models import Alert, AlertRule, Metric
from tests.invoices.payloads import complaint, correction, invoice, part
from tests.security.retention_days import DAYS, ago

pytestmark = pytest.mark.django_db


def _invoices():
    pads = part("PADS", 1, "50.00", "30.00")
    good = invoice(
        "GOOD", complaints=[complaint(1, labor="10", corrections=[correction(11, [pads])])],
        sub_total="60",
    )  # fmt: skip
    payloads = [good] + [invoice(pk, sub_total="not-a-number") for pk in ("OLDF", "NEWF", "CLMF")]
    invoice_ingest(payloads=payloads, source="retention test")
    raw = {r.primary_key: r for r in RawInvoice.objects.all()}
    assert raw["GOOD"].status == RawInvoice.Status.PROCESSED
    assert {raw[k].status for k in ("OLDF", "NEWF", "CLMF")} == {RawInvoice.Status.FAILED}
    assert LineItem.objects.filter(raw_invoice=raw["GOOD"]).exists()
    # Processed long ago (its lines are live), failed long ago, failed lately, and an old
    # failure put back to pending for reprocessing.
    RawInvoice.objects.filter(primary_key__in=["GOOD", "OLDF", "CLMF"]).update(updated_at=ago(800))
    RawInvoice.objects.filter(primary_key="NEWF").update(updated_at=ago(10))
    RawInvoice.objects.filter(primary_key="CLMF").update(status=RawInvoice.Status.PENDING)
    return raw


def _metrics():
    def m(source, run_id, name, days):
        return Metric.objects.create(
            source=source, run_id=run_id, name=name, value=1, recorded_at=ago(days)
        )

    return {
        # inventory.reconcile: run 1 is old, run 2 is old but the source's latest run.
        "reconcile_old": m("inventory.reconcile", 1, "critical_open", 700),
        "reconcile_latest": m("inventory.reconcile", 2, "critical_open", 600),
        # invoices.ingest: old unreferenced, old but watched by an active alert, and new.
        "ingest_old": m("invoices.ingest", 5, "processed", 400),
        "ingest_watched": m("invoices.ingest", 6, "processed", 199),
        "ingest_new": m("invoices.ingest", 7, "processed", 1),
    }


def _tasks():
    def task(days, success):
        return Task.objects.create(
            id=uuid.uuid4().hex, name=f"t{days}{success}", func="fleetops.tasks.x",
            started=ago(days), stopped=ago(days), success=success,
        )  # fmt: skip

    return {
        "success_old": task(31, True),
        "success_new": task(29, True),
        "failure_old": task(91, False),
        "failure_new": task(60, False),
    }


def test_prune_removes_old_unreferenced_rows_and_keeps_everything_live():
    raw = _invoices()
    lines_before = LineItem.objects.count()
    metrics = _metrics()
    AlertRule.objects.filter(kind="invoice_error_rate").update(window_hours=24)
    widest = max(AlertRule.objects.values_list("window_hours", flat=True))
    Alert.objects.create(
        kind="invoice_error_rate", severity="high", message="x", opened_at=ago(199 - 1)
    )
    tasks = _tasks()
    old_login = LoginFailure.objects.create(username="eve", at=ago(31))
    new_login = LoginFailure.objects.create(username="eve", at=ago(0.001))
    old_audit = AuditEntry.objects.create(action="x.old", created_at=ago(5000))
    assert widest < 24 * 30  # the watched metric (199 d) lies inside the alert's window

    counts = retention_prune(days=DAYS)

    assert counts == {
        "raw_invoices": 1,
        "metrics": 2,
        "task_successes": 1,
        "task_failures": 1,
        "login_failures": 1,
        "upload_files": 0,
        "runs": 0,
    }
    assert set(RawInvoice.objects.values_list("primary_key", flat=True)) == {
        "GOOD", "NEWF", "CLMF",
    }  # fmt: skip
    assert LineItem.objects.count() == lines_before
    assert not InvoiceIssue.objects.filter(raw_invoice_id=raw["OLDF"].pk).exists()
    mine = Metric.objects.filter(pk__in=[m.pk for m in metrics.values()])  # (ingest adds some)
    assert set(mine.values_list("pk", flat=True)) == {
        metrics[k].pk for k in ("reconcile_latest", "ingest_watched", "ingest_new")
    }
    assert set(Task.objects.values_list("pk", flat=True)) == {
        tasks["success_new"].pk, tasks["failure_new"].pk,
    }  # fmt: skip
    assert Success.objects.count() == 1 and Failure.objects.count() == 1
    assert list(LoginFailure.objects.values_list("pk", flat=True)) == [new_login.pk]
    assert not LoginFailure.objects.filter(pk=old_login.pk).exists()
    assert AuditEntry.objects.filter(pk=old_audit.pk).exists()
    entry = AuditEntry.objects.get(action="retention.prune")
    assert entry.data["deleted"] == counts and entry.actor is None


def test_without_an_active_alert_old_metrics_go_but_each_series_latest_value_stays():
    metrics = _metrics()
    retention_prune(days=DAYS)
    assert set(Metric.objects.values_list("pk", flat=True)) == {
        metrics[k].pk for k in ("reconcile_latest", "ingest_new")
    }


def test_a_second_prune_finds_nothing_and_dry_run_deletes_nothing():
    _invoices()
    _metrics()
    _tasks()
    before = (RawInvoice.objects.count(), Metric.objects.count(), Task.objects.count())
    dry = retention_prune(days=DAYS, dry_run=True)
    assert (RawInvoice.objects.count(), Metric.objects.count(), Task.objects.count()) == before
    assert not AuditEntry.objects.filter(action="retention.prune").exists()
    real = retention_prune(days=DAYS)
    assert real == dry
    assert retention_prune(days=DAYS) == dict.fromkeys(DAYS, 0)


def test_lockout_is_never_lifted_by_pruning():
    recent = LoginFailure.objects.create(username="eve", at=ago(0.005))  # 7 minutes ago
    retention_prune(days={**DAYS, "login_failures": 1}, now=timezone.now() + timedelta(days=2))
    assert LoginFailure.objects.filter(pk=recent.pk).exists()


def test_a_bad_age_is_a_clear_error():
    with pytest.raises(ImproperlyConfigured, match="metrics"):
        retention_prune(days={**DAYS, "metrics": 0})


def test_prune_command_prints_counts(capsys):
    Task.objects.create(
        id=uuid.uuid4().hex, name="old", func="f", started=ago(400), stopped=ago(400),
        success=True,
    )  # fmt: skip
    call_command("prune", "--dry-run", "--json")
    assert '"task_successes": 1' in capsys.readouterr().out
    assert Task.objects.count() == 1
    call_command("prune", "--task-successes-days", "500")
    assert "task_successes   older than  500 days: pruned 0" in capsys.readouterr().out
    call_command("prune")
    assert Task.objects.count() == 0


def test_daily_schedule_exists_once_and_runs_the_prune():
    migration = import_module("fleetops.migrations.0003_retention_schedule")
    migration.create_schedule(django_apps, None)  # running it again changes nothing
    schedule = Schedule.objects.get(name=migration.SCHEDULE_NAME)
    assert Schedule.objects.filter(func="fleetops.tasks.retention_prune_task").count() == 1
    assert schedule.schedule_type == Schedule.CRON and schedule.cron == "15 3 * * *"
    assert schedule.next_run > timezone.now()
    from fleetops.tasks import retention_prune_task

    Task.objects.create(
        id=uuid.uuid4().hex, name="old", func="f", started=ago(400), stopped=ago(400),
        success=True,
    )  # fmt: skip
    assert retention_prune_task()["task_successes"] == 1
