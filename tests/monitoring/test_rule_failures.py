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
