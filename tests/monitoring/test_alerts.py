"""Each alert rule fires on data made to cross it, holds without duplicates, clears on recovery."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from monitoring.alerts import alerts_evaluate
from monitoring.models import Alert, AlertRule, RuleKind
from monitoring.services import alerts_deferred, run_finished
from tests.monitoring.factories import (
    EMPTY_DAY_ALERTS,
    IngestRunFactory,
    InvoiceIssueFactory,
    RawInvoiceFactory,
    feed_import,
    ingest_run,
    reconcile_run,
)

pytestmark = pytest.mark.django_db


def alerts_of(kind):
    return list(Alert.objects.filter(kind=kind).order_by("opened_at", "id"))


def evaluate_at(when):
    with time_machine.travel(when, tick=False):
        return alerts_evaluate()


def assert_fires_holds_clears(kind, *, cross, recover, subject=""):
    """Shared lifecycle: cross -> one open alert, again -> still one, recover -> resolved."""
    cross()
    alerts_evaluate()
    alerts_evaluate()  # the condition holds: refreshed, never duplicated
    [alert] = alerts_of(kind)
    assert (alert.status, alert.subject) == (Alert.Status.OPEN, subject)
    recover()
    alerts_evaluate()
    [alert] = alerts_of(kind)
    assert alert.status == Alert.Status.RESOLVED and alert.resolved_at is not None


def test_error_rate_above_5_percent_fires_and_clears(now):
    def cross():  # 10 failed of 100 attempted = 10 %
        ingest_run(at=now - timedelta(hours=2), processed=90, failed=10)

    def recover():  # 10 of 1100 = 0.9 %
        ingest_run(at=now - timedelta(hours=1), processed=1000, failed=0)

    assert_fires_holds_clears(RuleKind.ERROR_RATE, cross=cross, recover=recover)


def test_error_rate_at_exactly_the_threshold_does_not_fire(now):
    ingest_run(at=now - timedelta(hours=2), processed=95, failed=5)  # 5.0 %, not above 5 %
    alerts_evaluate()
    assert alerts_of(RuleKind.ERROR_RATE) == []


def test_error_rate_threshold_is_read_from_the_rule(now):
    AlertRule.objects.filter(kind=RuleKind.ERROR_RATE).update(threshold=15)
    ingest_run(at=now - timedelta(hours=2), processed=90, failed=10)
    alerts_evaluate()
    assert alerts_of(RuleKind.ERROR_RATE) == []
    AlertRule.objects.filter(kind=RuleKind.ERROR_RATE).update(threshold=8)
    alerts_evaluate()
    assert len(alerts_of(RuleKind.ERROR_RATE)) == 1


def test_data_quality_below_90_percent_fires_and_clears(now):
    def cross():  # 2 of 10 processed invoices with issues: 80 %
        invoices = RawInvoiceFactory.create_batch(10, processed_at=now - timedelta(hours=3))
        InvoiceIssueFactory(raw_invoice=invoices[0])
        InvoiceIssueFactory(raw_invoice=invoices[1])
        InvoiceIssueFactory(raw_invoice=invoices[1], kind="missing_vin")

    def recover():  # 2 of 30: 93.3 %
        RawInvoiceFactory.create_batch(20, processed_at=now - timedelta(hours=1))

    assert_fires_holds_clears(RuleKind.DATA_QUALITY, cross=cross, recover=recover)


def test_no_invoice_ingestion_for_48_hours_fires_and_clears(now):
    ingest_run(at=now - timedelta(hours=47))  # finished 47 h - 1 min ago: fine
    alerts_evaluate()
    assert alerts_of(RuleKind.INGEST_STALE) == []

    with time_machine.travel(now + timedelta(hours=2), tick=False):
        alerts_evaluate()  # 49 h since the last success
        alerts_evaluate()
        [alert] = alerts_of(RuleKind.INGEST_STALE)
        assert alert.status == Alert.Status.OPEN and alert.severity == "critical"
        ingest_run(at=timezone.now() - timedelta(minutes=5))
        alerts_evaluate()
    [alert] = alerts_of(RuleKind.INGEST_STALE)
    assert alert.status == Alert.Status.RESOLVED


def test_failed_ingest_runs_do_not_count_as_ingestion(now):
    ingest_run(at=now - timedelta(hours=1), status="failed", processed=0, failed=3)
    alerts_evaluate()
    assert [a.message for a in alerts_of(RuleKind.INGEST_STALE)] == [
        "No successful invoice ingestion yet"
    ]


def test_records_pending_more_than_24_hours_fires_and_clears(now):
    RawInvoiceFactory(status="pending", received_at=now - timedelta(hours=23))
    alerts_evaluate()
    assert alerts_of(RuleKind.RECORDS_PENDING) == []

    old = []

    def cross():
        old.append(RawInvoiceFactory(status="pending", received_at=now - timedelta(hours=25)))

    def recover():
        old[0].status = "processed"
        old[0].save()

    assert_fires_holds_clears(RuleKind.RECORDS_PENDING, cross=cross, recover=recover)
    assert alerts_of(RuleKind.RECORDS_PENDING)[0].value == 1


def test_missing_feed_alerts_per_source_after_the_morning_and_clears(now):
    morning = now.replace(hour=6)
    for source in ("cdk", "vauto", "lojack"):
        feed_import(at=morning, source=source)
    feed_import(at=morning - timedelta(days=1), source="oem")  # yesterday's does not count
    feed_import(at=morning, source="oem", status="failed")  # a failed import does not count

    evaluate_at(now.replace(hour=9))  # before the 10:00 check: nothing yet
    assert alerts_of(RuleKind.FEED_MISSING) == []

    assert_fires_holds_clears(
        RuleKind.FEED_MISSING,
        cross=lambda: None,
        recover=lambda: feed_import(at=now - timedelta(minutes=10), source="oem"),
        subject="oem",
    )


def test_a_missing_feed_alert_closes_with_its_day_saying_the_feed_never_came(now):
    """Raised at 15:00 for today's OEM feed, which never came; at 00:30 the day is over:
    the alert closes, its note saying the day ended without the feed. The other sources'
    feeds arrived, then LoJack's alert of the next day clears when its feed comes."""
    from fleetops.models import AuditEntry

    for source in ("cdk", "vauto", "lojack"):
        feed_import(at=now.replace(hour=6), source=source)
    evaluate_at(now)
    (missing,) = alerts_of(RuleKind.FEED_MISSING)
    evaluate_at(now.replace(hour=0, minute=30) + timedelta(days=1))
    assert not Alert.objects.active().filter(kind=RuleKind.FEED_MISSING).exists()
    closed = AuditEntry.objects.get(action="alert.resolve", object_id=str(missing.pk))
    assert closed.note == (
        "The day (2026-10-14) ended without the feed; the next day's is checked from 10:00."
    )
    tomorrow = now + timedelta(days=1)
    for source in ("cdk", "vauto", "oem"):
        feed_import(at=tomorrow.replace(hour=6), source=source)
    evaluate_at(tomorrow)
    (late,) = Alert.objects.active().filter(kind=RuleKind.FEED_MISSING)
    feed_import(at=tomorrow + timedelta(minutes=5), source="lojack")
    evaluate_at(tomorrow + timedelta(minutes=10))
    cleared = AuditEntry.objects.get(action="alert.resolve", object_id=str(late.pk))
    assert cleared.note == "Condition cleared."


def test_reconciliation_not_run_in_26_hours_fires_and_clears(now):
    def cross():
        reconcile_run(at=now - timedelta(hours=27))

    def recover():
        reconcile_run(at=now - timedelta(hours=1))

    assert_fires_holds_clears(RuleKind.RECONCILE_STALE, cross=cross, recover=recover)


def _critical_history(now, values):
    """One reconciliation a day at 06:00 for the days before today, oldest first."""
    for days_ago, value in zip(range(len(values), 0, -1), values, strict=True):
        reconcile_run(at=now.replace(hour=6) - timedelta(days=days_ago), critical_open=value)


def test_critical_exceptions_up_more_than_25_percent_fires_and_clears(now):
    # Daily values over the 7 days before today average 10; an 8th day ago is ignored.
    _critical_history(now, [100, 8, 12, 10, 10, 10, 9, 11])

    def cross():  # 13 vs 10: +30 %
        reconcile_run(at=now - timedelta(hours=3), critical_open=13)

    def recover():  # 12 vs 10: +20 %
        reconcile_run(at=now - timedelta(hours=1), critical_open=12)

    assert_fires_holds_clears(RuleKind.CRITICAL_EXCEPTIONS_UP, cross=cross, recover=recover)


def test_critical_exceptions_use_the_last_value_of_each_day(now):
    _critical_history(now, [10] * 7)
    # Yesterday had an early spike, then settled back at 10: the day's value is 10.
    reconcile_run(at=now.replace(hour=2) - timedelta(days=1), critical_open=50)
    reconcile_run(at=now - timedelta(hours=2), critical_open=12)  # +20 %: fine
    alerts_evaluate()
    assert alerts_of(RuleKind.CRITICAL_EXCEPTIONS_UP) == []


def test_invoices_today_below_half_the_7_day_average_fires_and_clears(now):
    for days_ago in range(1, 8):  # 100 a day for 7 days
        ingest_run(at=now.replace(hour=7) - timedelta(days=days_ago), processed=100)
    ingest_run(at=now.replace(hour=7), processed=40)  # 40 % of the average

    evaluate_at(now.replace(hour=11))  # before noon: today is not over enough to judge
    assert alerts_of(RuleKind.INVOICE_VOLUME_DROP) == []

    assert_fires_holds_clears(
        RuleKind.INVOICE_VOLUME_DROP,
        cross=lambda: None,
        recover=lambda: ingest_run(at=now - timedelta(hours=1), processed=20),  # 60 %
    )


def test_an_alert_that_clears_and_comes_back_opens_a_new_alert(now):
    ingest_run(at=now - timedelta(hours=30))
    evaluate_at(now + timedelta(hours=20))  # 50 h: fires
    ingest_run(at=now + timedelta(hours=21))
    evaluate_at(now + timedelta(hours=22))  # resolved
    evaluate_at(now + timedelta(hours=70))  # 49 h again: a new alert
    statuses = [a.status for a in alerts_of(RuleKind.INGEST_STALE)]
    assert statuses == [Alert.Status.RESOLVED, Alert.Status.OPEN]


def test_disabling_a_rule_resolves_its_alerts(now):
    alerts_evaluate()
    assert alerts_of(RuleKind.RECONCILE_STALE)[0].status == Alert.Status.OPEN
    AlertRule.objects.filter(kind=RuleKind.RECONCILE_STALE).update(enabled=False)
    alerts_evaluate()
    assert alerts_of(RuleKind.RECONCILE_STALE)[0].status == Alert.Status.RESOLVED


def test_database_refuses_a_second_unresolved_alert_for_the_same_rule_and_subject(now):
    from django.db import IntegrityError, transaction

    Alert.objects.create(kind=RuleKind.FEED_MISSING, subject="cdk", severity="high", message="x")
    Alert.objects.create(
        kind=RuleKind.FEED_MISSING, subject="vauto", severity="high", message="x"
    )  # another subject is fine
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(
            kind=RuleKind.FEED_MISSING, subject="cdk", severity="high", message="y"
        )


def test_run_finished_evaluates_the_rules_after_commit(now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ingest_run(at=now - timedelta(hours=1), processed=50, failed=50)
    assert len(alerts_of(RuleKind.ERROR_RATE)) == 1


def test_a_run_evaluates_only_the_rules_its_source_can_change(
    now, django_capture_on_commit_callbacks
):
    IngestRunFactory(started_at=now - timedelta(hours=2), processed=50, failed=50)  # 50 % failed
    with django_capture_on_commit_callbacks(execute=True):
        feed_import(at=now - timedelta(minutes=5), source="cdk")
    # the feed rule ran (15:00 is past its 10:00 check): the three other feeds are missing
    assert {a.subject for a in alerts_of(RuleKind.FEED_MISSING)} == {"vauto", "lojack", "oem"}
    assert alerts_of(RuleKind.ERROR_RATE) == []  # an invoice rule: not a feed's to change
    assert alerts_of(RuleKind.RECONCILE_STALE) == []

    with django_capture_on_commit_callbacks(execute=True):
        reconcile_run(at=now - timedelta(minutes=1))
    assert alerts_of(RuleKind.ERROR_RATE) == []
    with django_capture_on_commit_callbacks(execute=True):
        run_finished(source="invoices.ingest", run_id=None, metrics={})
    assert len(alerts_of(RuleKind.ERROR_RATE)) == 1
    assert alerts_of(RuleKind.INGEST_STALE) == []  # the factory's run succeeded 2 h ago


def test_a_run_of_an_unlisted_source_evaluates_every_rule(now, django_capture_on_commit_callbacks):
    IngestRunFactory(started_at=now - timedelta(hours=2), processed=50, failed=50)
    with django_capture_on_commit_callbacks(execute=True):
        run_finished(source="some.new.job", run_id=None, metrics={})
    assert len(alerts_of(RuleKind.ERROR_RATE)) == 1
    assert len(alerts_of(RuleKind.FEED_MISSING)) == 4
    assert len(alerts_of(RuleKind.RECONCILE_STALE)) == 1


def test_a_sales_load_evaluates_no_rule(now, django_capture_on_commit_callbacks):
    IngestRunFactory(started_at=now - timedelta(hours=2), processed=50, failed=50)
    with django_capture_on_commit_callbacks(execute=True):
        run_finished(source="sales.load", run_id=None, metrics={})
    assert not Alert.objects.exists()


def test_runs_inside_alerts_deferred_are_evaluated_once_at_the_end(
    now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with alerts_deferred():
            ingest_run(at=now - timedelta(hours=1), processed=50, failed=50)
            assert alerts_of(RuleKind.ERROR_RATE) == []  # not yet
        assert len(alerts_of(RuleKind.ERROR_RATE)) == 1  # evaluated on leaving the block
    # the run queued no evaluation of its own: only the raised alerts' notifications
    assert {getattr(c, "func", c).__name__ for c in callbacks} == {"alert_notify"}


def test_a_block_that_fails_inside_alerts_deferred_evaluates_nothing(
    now, django_capture_on_commit_callbacks
):
    with pytest.raises(RuntimeError), alerts_deferred():
        ingest_run(at=now - timedelta(hours=1), processed=50, failed=50)
        raise RuntimeError("the load failed")
    assert alerts_of(RuleKind.ERROR_RATE) == []
    with django_capture_on_commit_callbacks(execute=True):  # outside: back to normal
        run_finished(source="invoices.ingest", run_id=None, metrics={})
    assert len(alerts_of(RuleKind.ERROR_RATE)) == 1


def test_schedule_evaluates_every_15_minutes_from_a_set_next_run():
    from django_q.models import Schedule

    [schedule] = Schedule.objects.filter(func="monitoring.tasks.alerts_evaluate_task")
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == ("I", 15, -1)
    assert schedule.next_run is not None


def test_the_scheduled_task_evaluates_through_django_q(now):
    from django_q.models import Schedule
    from django_q.tasks import async_task, result

    func = Schedule.objects.get(name="monitoring: evaluate alerts").func
    task_id = async_task(func, sync=True)  # what the cluster runs every 15 minutes
    raised = {(a.kind, a.subject, a.severity) for a in Alert.objects.open()}
    assert raised == EMPTY_DAY_ALERTS  # an empty database: nothing ran, no feed came
    assert result(task_id)["raised"] == len(EMPTY_DAY_ALERTS)


def test_a_missing_rule_row_is_restored_with_its_defaults(now):
    AlertRule.objects.filter(kind=RuleKind.RECONCILE_STALE).delete()
    alerts_evaluate()
    rule = AlertRule.objects.get(kind=RuleKind.RECONCILE_STALE)
    assert (rule.threshold, rule.severity, rule.enabled) == (26, "critical", True)
    assert len(alerts_of(RuleKind.RECONCILE_STALE)) == 1


def test_an_edited_severity_applies_to_the_alert_that_holds(now):
    alerts_evaluate()
    AlertRule.objects.filter(kind=RuleKind.RECONCILE_STALE).update(severity="medium")
    alerts_evaluate()
    [alert] = alerts_of(RuleKind.RECONCILE_STALE)
    assert (alert.status, alert.severity) == (Alert.Status.OPEN, "medium")
