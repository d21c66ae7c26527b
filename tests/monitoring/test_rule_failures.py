"""Alert rules that cannot be evaluated: a window the admin must refuse, and a rule that
fails at evaluation, which must not leave every surface saying all is well."""

from datetime import timedelta

import pytest
from django.urls import reverse

from monitoring.models import AlertRule, RuleKind

pytestmark = pytest.mark.django_db


def rule_form(rule: AlertRule, **changes) -> dict:
    form = {
        "enabled": "on",
        "severity": rule.severity,
        "threshold": str(rule.threshold),
        "window_hours": str(rule.window_hours),
        "not_before_hour": str(rule.not_before_hour),
    }
    return {**form, **changes}


@pytest.mark.parametrize("hours", ["20000000", "2161"])
def test_the_admin_refuses_a_rule_window_past_90_days(client_for, manager, hours, now):
    """20,000,000 h (2,283 years) was saved, and every evaluation of the rule then failed
    (a date before year 1), so its condition was never checked again."""
    rule = AlertRule.objects.get(kind=RuleKind.ERROR_RATE)
    url = reverse("admin:monitoring_alertrule_change", args=[rule.pk])
    response = client_for(manager).post(url, rule_form(rule, window_hours=hours))
    assert response.status_code == 200  # the form again, with the error
    assert "window_hours" in response.context["adminform"].form.errors
    rule.refresh_from_db()
    assert rule.window_hours == 24


def test_a_90_day_rule_window_is_accepted_and_evaluated(client_for, manager, now):
    from monitoring.alerts import alerts_evaluate
    from tests.monitoring.factories import ingest_run

    rule = AlertRule.objects.get(kind=RuleKind.ERROR_RATE)
    url = reverse("admin:monitoring_alertrule_change", args=[rule.pk])
    response = client_for(manager).post(url, rule_form(rule, window_hours=str(90 * 24)))
    assert response.status_code == 302
    ingest_run(at=now - timedelta(days=89), processed=9, failed=1)  # 10 %, inside 90 days
    assert alerts_evaluate(kinds=[RuleKind.ERROR_RATE])["raised"] == 1


def test_a_rule_that_cannot_be_evaluated_raises_an_alert_until_it_can(client_for, manager, now):
    """A rule row saved before its window was bounded (20,000,000 h) failed at every
    evaluation: logged, skipped, and every surface said all was well ("Status: OK",
    exit 0). Its failure is now an alert of the rule's severity, shown like any other,
    and resolved once the rule is evaluated again."""
    import json
    from io import StringIO

    from django.core.management import call_command

    from monitoring.alerts import RULE_FAILED, alerts_evaluate
    from monitoring.models import Alert
    from tests.monitoring.factories import ingest_run

    ingest_run(at=now - timedelta(hours=1), processed=10)  # healthy ingestion
    AlertRule.objects.filter(kind=RuleKind.ERROR_RATE).update(window_hours=20_000_000)

    counts = alerts_evaluate(kinds=[RuleKind.ERROR_RATE])
    assert counts["errors"] == 1
    (alert,) = Alert.objects.active().filter(kind=RuleKind.ERROR_RATE)
    assert (alert.subject, alert.severity) == (RULE_FAILED, "critical")  # the rule's severity
    assert alert.message.startswith(
        "Rule 'Invoice error rate too high' could not be evaluated (OverflowError: "
    )
    alerts_evaluate(kinds=[RuleKind.ERROR_RATE])  # still failing: the same alert, no other
    assert Alert.objects.filter(kind=RuleKind.ERROR_RATE).count() == 1

    out = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("monitor", "--json", "--no-evaluate", stdout=out)
    assert exit_.value.code == 1  # a critical rule that checks nothing is not "OK"
    reported = json.loads(out.getvalue())["alerts"]
    assert [(a["kind"], a["subject"]) for a in reported] == [("invoice_error_rate", RULE_FAILED)]
    page = client_for(manager).get(reverse("monitoring:dashboard"))
    (shown,) = page.context["alerts"]
    assert shown.pk == alert.pk
    assert shown.drill_url == reverse("admin:monitoring_alertrule_changelist")  # its settings

    AlertRule.objects.filter(kind=RuleKind.ERROR_RATE).update(window_hours=24)
    counts = alerts_evaluate(kinds=[RuleKind.ERROR_RATE])
    assert (counts["errors"], counts["resolved"]) == (0, 1)
    alert.refresh_from_db()
    assert alert.status == Alert.Status.RESOLVED
    assert not Alert.objects.active().exists()


def test_a_failing_rule_leaves_its_own_alerts_and_the_other_rules_alone(now):
    from monitoring.alerts import RULE_FAILED, alerts_evaluate
    from monitoring.models import Alert
    from tests.monitoring.factories import ingest_run

    ingest_run(at=now - timedelta(hours=1), processed=90, failed=10)  # 10 %: fires
    alerts_evaluate(kinds=[RuleKind.ERROR_RATE, RuleKind.INGEST_STALE])
    (held,) = Alert.objects.active().filter(kind=RuleKind.ERROR_RATE)
    AlertRule.objects.filter(kind=RuleKind.ERROR_RATE).update(window_hours=20_000_000)
    AlertRule.objects.filter(kind=RuleKind.INGEST_STALE).update(threshold=0)  # 1 h > 0 h
    alerts_evaluate(kinds=[RuleKind.ERROR_RATE, RuleKind.INGEST_STALE])
    active = {(a.kind, a.subject) for a in Alert.objects.active()}
    assert active == {
        (RuleKind.ERROR_RATE, ""),  # left as it was: nobody knows whether it cleared
        (RuleKind.ERROR_RATE, RULE_FAILED),
        (RuleKind.INGEST_STALE, ""),  # the next rule was still evaluated
    }
    assert Alert.objects.get(pk=held.pk).status == Alert.Status.OPEN
