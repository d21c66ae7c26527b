"""The "last run failed" rule: an alert per kind of run whose latest run failed, until a
later run of that kind succeeds."""

from datetime import timedelta

import pytest
from django.utils import timezone

from monitoring.alerts import alerts_evaluate
from monitoring.models import Alert, RuleKind
from sales.models import LoadRun
from tests.monitoring.factories import feed_import, ingest_run, reconcile_run

pytestmark = pytest.mark.django_db


def open_alerts():
    return {
        a.subject: a.message
        for a in Alert.objects.filter(kind=RuleKind.RUN_FAILED, status=Alert.Status.OPEN)
    }


def local_minute(run) -> str:
    return f"{timezone.localtime(run.finished_at or run.started_at):%Y-%m-%d %H:%M}"


def test_a_failed_run_alerts_until_a_later_run_of_its_kind_succeeds(now):
    ingest_run(at=now - timedelta(hours=3))
    failed = ingest_run(at=now - timedelta(hours=2), status="failed", error="ConnectTimeout: x")
    alerts_evaluate()
    alerts_evaluate()  # holds: one alert, not two
    assert open_alerts() == {
        "invoice ingest": f"The last invoice ingest failed ({local_minute(failed)}): "
        "ConnectTimeout: x"
    }
    [alert] = Alert.objects.filter(kind=RuleKind.RUN_FAILED)
    assert alert.severity == "high"

    ingest_run(at=now - timedelta(hours=1))  # the next ingest succeeded
    alerts_evaluate()
    assert open_alerts() == {}
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.RESOLVED


def test_each_source_feed_is_its_own_kind_and_refused_runs_are_not_failures(now):
    feed_import(
        at=now - timedelta(hours=2), source="cdk", status="failed", error="OperationalError"
    )
    feed_import(at=now - timedelta(hours=1), source="vauto")  # another source's success
    feed_import(at=now - timedelta(hours=2), source="oem")
    feed_import(at=now - timedelta(hours=1), source="oem", status="rejected", error="No VIN column")
    reconcile_run(at=now - timedelta(hours=1), status="rejected", error="Another is running")
    alerts_evaluate()
    assert set(open_alerts()) == {"CDK (DMS) feed import"}


def test_a_failed_sales_load_and_reconciliation_each_alert(now):
    reconcile_run(at=now - timedelta(hours=2), status="failed", error="interrupted: reaped")
    LoadRun.objects.create(
        directory="/data", status="failed", error="orders.csv: line 3", started_at=now,
        finished_at=now,
    )  # fmt: skip
    alerts_evaluate()
    alerts = open_alerts()
    assert set(alerts) == {"reconciliation", "sales load"}
    assert alerts["sales load"].endswith("): orders.csv: line 3")


def test_a_reconciliation_failing_for_real_alerts_once_it_has_finished(
    monkeypatch, django_capture_on_commit_callbacks
):
    """End to end: the service fails the run and reports it, and the rules a
    reconciliation can change are evaluated after it commits, this one included."""
    from inventory.models import ReconciliationRun
    from inventory.services import reconcile

    def matching_fails(cursor, now):
        raise RuntimeError("matching failed")

    monkeypatch.setattr(reconcile, "matches_refresh", matching_fails)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        reconcile.vehicles_reconcile()
    run = ReconciliationRun.objects.get()
    assert run.status == "failed"
    assert open_alerts() == {
        "reconciliation": f"The last reconciliation failed ({local_minute(run)}): "
        "RuntimeError: matching failed"
    }
