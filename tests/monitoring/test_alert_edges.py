"""Alert rules at their edges: a rise from none, a held alert after its rule changed, a
stale limit crossed by a fraction of an hour, each threshold met exactly; and the
data-quality metric of a run that processed nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine

from monitoring.alerts import alerts_evaluate
from monitoring.models import Alert, AlertRule, Metric, RuleKind
from tests.monitoring.factories import (
    InvoiceIssueFactory,
    RawInvoiceFactory,
    feed_import,
    ingest_run,
    reconcile_run,
)

pytestmark = pytest.mark.django_db


def evaluate_at(when):
    with time_machine.travel(when, tick=False):
        return alerts_evaluate()


def test_critical_exceptions_rising_from_none_fire(now):
    """None open on each of the 7 days before, 200 now: a rise no percentage measures,
    which the rule must not miss; none now either: nothing."""
    for days_ago in range(1, 8):
        reconcile_run(at=now.replace(hour=6) - timedelta(days=days_ago), critical_open=0)
    reconcile_run(at=now - timedelta(hours=2), critical_open=0)
    alerts_evaluate(kinds=[RuleKind.CRITICAL_EXCEPTIONS_UP])
    assert not Alert.objects.filter(kind=RuleKind.CRITICAL_EXCEPTIONS_UP).exists()
    reconcile_run(at=now - timedelta(hours=1), critical_open=200)
    alerts_evaluate(kinds=[RuleKind.CRITICAL_EXCEPTIONS_UP])
    (alert,) = Alert.objects.filter(kind=RuleKind.CRITICAL_EXCEPTIONS_UP)
    assert alert.message.startswith(
        "Critical inventory exceptions at 200, up from none on each of the 7 days before"
    )


def test_a_held_alert_takes_the_threshold_its_rule_has_now(now):
    ingest_run(at=now - timedelta(hours=2), processed=94, failed=6)  # 6 % of 100
    alerts_evaluate(kinds=[RuleKind.ERROR_RATE])
    AlertRule.objects.filter(kind=RuleKind.ERROR_RATE).update(threshold=Decimal("5.5"))
    alerts_evaluate(kinds=[RuleKind.ERROR_RATE])
    (alert,) = Alert.objects.filter(kind=RuleKind.ERROR_RATE)
    assert alert.threshold == Decimal("5.5") and "5.5%" in alert.message


def test_a_stale_limit_crossed_by_a_fraction_of_an_hour_says_so(now):
    reconcile_run(at=now - timedelta(hours=26, minutes=25))  # 26.42 h ago; limit 26 h
    alerts_evaluate(kinds=[RuleKind.RECONCILE_STALE])
    (alert,) = Alert.objects.filter(kind=RuleKind.RECONCILE_STALE)
    assert alert.message == "No successful reconciliation for 26.4 h (limit 26 h)"


def test_an_ingest_that_processed_nothing_records_no_data_quality_score():
    """A re-ingest of unchanged invoices and a pull that failed say nothing of the data's
    quality: no 100 % point in the trend or /metrics (the first run's 50 % stands)."""
    from invoices.services import invoice_ingest
    from tests.invoices.payloads import invoice

    payloads = [invoice("Q1"), invoice("Q2", sub_total="999999")]  # one clean, one mismatched
    assert invoice_ingest(payloads=payloads, source="first").processed == 2
    assert invoice_ingest(payloads=payloads, source="again").processed == 0

    def unreachable():
        raise ConnectionError("Fullbay unreachable")
        yield

    with pytest.raises(ConnectionError):
        invoice_ingest(payloads=unreachable(), source="api")
    scores = Metric.objects.filter(source="invoices.ingest", name="data_quality_score")
    assert [float(v) for v in scores.values_list("value", flat=True)] == [50.0]


def _resolve_note(alert) -> str:
    from fleetops.models import AuditEntry

    return AuditEntry.objects.get(action="alert.resolve", object_id=str(alert.pk)).note


def test_a_missing_feed_checked_from_midnight_is_one_alert_a_day(now):
    """With the rule checking from 0:00, yesterday's alert is not carried into today: it
    closes with its day, and today's missing feed is an alert (and an e-mail) of its own."""
    AlertRule.objects.filter(kind=RuleKind.FEED_MISSING).update(not_before_hour=0)
    for source in ("cdk", "vauto", "lojack"):  # OEM's never comes
        feed_import(at=now.replace(hour=6), source=source)
    evaluate_at(now)
    evaluate_at(now.replace(hour=0, minute=5) + timedelta(days=1))
    first, second = Alert.objects.filter(kind=RuleKind.FEED_MISSING, subject="oem").order_by(
        "opened_at"
    )
    assert first.status == Alert.Status.RESOLVED and second.status == Alert.Status.OPEN
    assert _resolve_note(first) == (
        "The day (2026-10-14) ended without the feed; the next day's is checked from 0:00."
    )
    assert "2026-10-15" in second.message


def test_an_invoice_volume_alert_closes_with_its_day_not_as_cleared(now):
    for days_ago in range(1, 8):  # 100 a day for 7 days, none today
        ingest_run(at=now.replace(hour=7) - timedelta(days=days_ago), processed=100)
    evaluate_at(now)
    (alert,) = Alert.objects.filter(kind=RuleKind.INVOICE_VOLUME_DROP)
    evaluate_at(now.replace(hour=0, minute=5) + timedelta(days=1))
    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED
    assert _resolve_note(alert) == (
        "The day (2026-10-14) ended; the next day's volume is judged from 12:00."
    )


# -- each threshold, met exactly ----------------------------------------------------------
# Every rule fires strictly past its threshold ("above" or "below" in its description):
# data placed exactly on the default threshold raises nothing, and the same data raises
# the alert once the threshold moves by 0.01 towards it (so the setup does sit on it).


def _stale_ingest(now):  # the last success finished 48 h ago (the run takes 60 s)
    ingest_run(at=now - timedelta(hours=48, seconds=60))


def _stale_reconcile(now):  # finished 26 h ago (the run takes 120 s)
    reconcile_run(at=now - timedelta(hours=26, seconds=120))


def _quality_at_90(now):  # 1 of 10 invoices processed today with an issue: 90 % clean
    invoices = RawInvoiceFactory.create_batch(10, processed_at=now - timedelta(hours=1))
    InvoiceIssueFactory(raw_invoice=invoices[0])


def _errors_at_5(now):  # 5 of 100 attempted failed
    ingest_run(at=now - timedelta(hours=1), processed=95, failed=5)


def _criticals_up_25(now):  # 8 a day for the 7 days before, 10 now: +25 %
    for days_ago in range(1, 8):
        reconcile_run(at=now.replace(hour=6) - timedelta(days=days_ago), critical_open=8)
    reconcile_run(at=now - timedelta(hours=1), critical_open=10)


def _volume_at_half(now):  # 100 a day for the 7 days before, 50 today: 50 %
    for days_ago in range(1, 8):
        ingest_run(at=now.replace(hour=7) - timedelta(days=days_ago), processed=100)
    ingest_run(at=now.replace(hour=7), processed=50)


@pytest.mark.parametrize(
    ("kind", "setup", "threshold", "nudged"),
    [
        (RuleKind.INGEST_STALE, _stale_ingest, 48, "47.99"),
        (RuleKind.RECONCILE_STALE, _stale_reconcile, 26, "25.99"),
        (RuleKind.DATA_QUALITY, _quality_at_90, 90, "90.01"),
        (RuleKind.ERROR_RATE, _errors_at_5, 5, "4.99"),
        (RuleKind.CRITICAL_EXCEPTIONS_UP, _criticals_up_25, 25, "24.99"),
        (RuleKind.INVOICE_VOLUME_DROP, _volume_at_half, 50, "50.01"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_a_rule_does_not_fire_on_its_threshold_only_past_it(now, kind, setup, threshold, nudged):
    rule = AlertRule.objects.get(kind=kind)
    assert rule.threshold == threshold  # the default the setup sits on
    setup(now)
    alerts_evaluate(kinds=[kind])
    assert not Alert.objects.filter(kind=kind).exists()
    AlertRule.objects.filter(kind=kind).update(threshold=Decimal(nudged))
    alerts_evaluate(kinds=[kind])
    assert Alert.objects.filter(kind=kind, status=Alert.Status.OPEN).count() == 1


def test_a_critical_rise_names_the_days_its_average_covers(now):
    """Reconciled on 3 of the 7 days before (2 criticals each), 4 now: the average the rule
    compares with is 2.0 over those 3 days, not a 7-day average (which would be 6 / 7 =
    0.9), and the message must not call it one."""
    for days_ago in (3, 2, 1):
        reconcile_run(at=now.replace(hour=6) - timedelta(days=days_ago), critical_open=2)
    reconcile_run(at=now - timedelta(hours=1), critical_open=4)
    alerts_evaluate(kinds=[RuleKind.CRITICAL_EXCEPTIONS_UP])
    (alert,) = Alert.objects.filter(kind=RuleKind.CRITICAL_EXCEPTIONS_UP)
    assert alert.message == (
        "Critical inventory exceptions at 4, up 100% on their average of 2.0 over the "
        "3 days with a reconciliation in the 7 days before (limit +25%)"
    )


def test_a_critical_rise_over_every_day_of_the_window_says_its_day_average(now):
    for days_ago in range(7, 0, -1):
        reconcile_run(at=now.replace(hour=6) - timedelta(days=days_ago), critical_open=2)
    reconcile_run(at=now - timedelta(hours=1), critical_open=4)
    alerts_evaluate(kinds=[RuleKind.CRITICAL_EXCEPTIONS_UP])
    (alert,) = Alert.objects.filter(kind=RuleKind.CRITICAL_EXCEPTIONS_UP)
    assert alert.message == (
        "Critical inventory exceptions at 4, up 100% on their 7-day average of 2.0 (limit +25%)"
    )


@pytest.mark.parametrize(
    ("pending", "message"),
    [(1, "1 invoice pending for more than 24 h"), (3, "3 invoices pending for more than 24 h")],
)
def test_pending_invoices_are_counted_in_words(pending, message, now):
    for _ in range(pending):
        RawInvoiceFactory(status="pending", received_at=now - timedelta(hours=25))
    alerts_evaluate(kinds=[RuleKind.RECORDS_PENDING])
    (alert,) = Alert.objects.filter(kind=RuleKind.RECORDS_PENDING)
    assert alert.message == message  # not "3 invoice(s)"


def test_one_invoice_processed_today_is_one_invoice(now):
    for days_ago in range(1, 8):  # 4 a day for the 7 days before
        ingest_run(at=now.replace(hour=7) - timedelta(days=days_ago), processed=4)
    ingest_run(at=now.replace(hour=7), processed=1)  # 25 % of 4
    alerts_evaluate(kinds=[RuleKind.INVOICE_VOLUME_DROP])
    (alert,) = Alert.objects.filter(kind=RuleKind.INVOICE_VOLUME_DROP)
    assert alert.message == (
        "1 invoice processed today, 25% of the 7-day daily average of 4.0 (minimum 50%)"
    )
