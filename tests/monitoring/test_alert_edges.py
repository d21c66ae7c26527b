"""Alert rules at their edges: a rise from none, a held alert after its rule changed, a
stale limit crossed by a fraction of an hour; and the data-quality metric of a run that
processed nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest

from monitoring.alerts import alerts_evaluate
from monitoring.models import Alert, AlertRule, Metric, RuleKind
from tests.monitoring.factories import ingest_run, reconcile_run

pytestmark = pytest.mark.django_db


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
