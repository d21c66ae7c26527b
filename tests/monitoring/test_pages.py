"""Dashboard page, acknowledge button, banner and admin, per role."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import FeedIssue
from invoices.choices import IssueKind
from monitoring.alerts import alerts_evaluate
from monitoring.models import Alert, AlertRule, Metric, RuleKind
from monitoring.selectors import alert_drill_url
from monitoring.services import alert_acknowledge
from tests.monitoring.factories import (
    EMPTY_DAY_ALERTS,
    FeedImportFactory,
    InvoiceIssueFactory,
    feed_import,
    ingest_run,
    reconcile_run,
)

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("monitoring:dashboard")


@pytest.fixture
def activity(now):
    ingest_run(at=now - timedelta(hours=3), processed=40, failed=2)
    ingest_run(at=now - timedelta(hours=2), processed=0, failed=0, status="failed", error="boom")
    cdk = feed_import(at=now - timedelta(hours=5), source="cdk", rows_read=100, invalid_rows=4)
    FeedIssue.objects.bulk_create(
        FeedIssue(feed_import=cdk, line_number=n, raw_value="X", reason=reason, message="bad")
        for n, reason in enumerate(["invalid_vin"] * 3 + ["duplicate_vin"], start=2)
    )
    reconcile_run(at=now - timedelta(hours=1), critical_open=3)
    InvoiceIssueFactory.create_batch(2, kind=IssueKind.SUBTOTAL_MISMATCH)
    InvoiceIssueFactory(kind="missing_vin")
    alerts_evaluate()


def test_dashboard_shows_scores_components_trends_runs_alerts_issues(
    client_for, manager, activity, django_user_model
):
    response = client_for(manager).get(DASHBOARD)
    assert response.status_code == 200
    html = response.content.decode()
    assert "vendor/plotly.min.js" in html and "cdn.plot.ly" not in html
    for text in (
        "Invoices health",
        "Processing success rate",
        "Feeds arrived today",
        "Invalid-row rate",
        "Recent runs",
        "boom",
        "No LoJack feed imported today",
        "Rows do not add up to subTotal",
        "Acknowledge",
    ):
        assert text in html, text
    assert html.count('id="trend-') == 3  # one chart per source with metrics
    # runs are named for people, not by their metric source
    assert re.search(r">Feed import #\d+</a>", html) and "inventory.feed #" not in html
    health = response.context["health"]
    assert health["invoices"].score == pytest.approx(
        sum(c.score * c.weight for c in health["invoices"].components) / 100, abs=0.1
    )
    issues = {(i.domain, i.kind): i.count for i in response.context["issues"]}
    assert issues[("invoices", "Rows do not add up to subTotal")] == 2
    assert issues[("feeds", "Invalid VIN")] == 3
    assert issues[("feeds", "Duplicate VIN")] == 1
    links = {i.kind: i.admin_url for i in response.context["issues"]}
    # issues older than the page's 7 days: in neither the counts nor the lists they open
    InvoiceIssueFactory(
        kind=IssueKind.SUBTOTAL_MISMATCH, created_at=timezone.now() - timedelta(days=8)
    )
    old_import = FeedImportFactory(started_at=timezone.now() - timedelta(days=8))
    FeedIssue.objects.create(
        feed_import=old_import, line_number=2, reason="invalid_vin", message="old"
    )
    # each link opens its list with that filter and the 7 days shown chosen in the sidebar
    admin = client_for(django_user_model.objects.create_superuser("root", "r@x.io", "x"))
    for kind, count in (("Invalid VIN", 3), ("Rows do not add up to subTotal", 2)):
        cl = admin.get(links[kind]).context["cl"]
        chosen = [c["display"] for spec in cl.filter_specs for c in spec.choices(cl)
                  if c["selected"] and c["display"] != "All"]  # fmt: skip
        assert chosen == [kind, "Last 7 days"] and cl.result_count == count, (kind, chosen)


def test_trend_pickers_name_metrics_in_words(client_for, manager, activity):
    html = client_for(manager).get(DASHBOARD).content.decode()
    # the feed chart opens on rows read (a daily sum), reconciliation on critical exceptions
    assert '"title":{"text":"Rows read per day"}' in html
    assert '"title":{"text":"Critical exceptions open (daily mean)"}' in html
    assert '"label":"Invoices processed per day","method":"update","name":"processed"' in html
    assert "rows_read (per day)" not in html and "critical_open (daily mean)" not in html


def test_dashboard_query_count_does_not_grow_with_runs(
    client_for, manager, activity, django_assert_max_num_queries, now
):
    client = client_for(manager)
    client.get(DASHBOARD)
    for i in range(20):
        FeedImportFactory(started_at=now - timedelta(hours=i), source="vauto")
    with django_assert_max_num_queries(24):  # 20 today, whatever the number of runs
        assert client.get(DASHBOARD).status_code == 200


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("outsider", 403),
        ("clerk", 403),
        ("triage_user", 403),
        ("manager", 200),
        ("admin_user", 200),
    ],
)
def test_dashboard_permission_per_role(request, client_for, role, status, now):
    assert client_for(request.getfixturevalue(role)).get(DASHBOARD).status_code == status


def test_acknowledge_button_acknowledges(client_for, manager, activity):
    alert = Alert.objects.open().first()
    response = client_for(manager).post(reverse("monitoring:alert_ack", args=[alert.pk]))
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == Alert.Status.ACKNOWLEDGED and alert.acknowledged_by == manager


def test_acknowledge_button_needs_the_permission(client_for, triage_user, activity):
    alert = Alert.objects.open().first()
    url = reverse("monitoring:alert_ack", args=[alert.pk])
    assert client_for(triage_user).post(url).status_code == 403
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.OPEN


def test_banner_shows_open_alerts_to_triage_and_managers_until_acknowledged(
    client_for, triage_user, manager, clerk, activity
):
    home = reverse("home")
    triage_page = client_for(triage_user).get(home).content
    assert b"data-alert-banner" in triage_page
    # triage staff read the alerts; only managers may acknowledge them
    assert b"Review the alerts" in triage_page and b"acknowledge" not in triage_page
    assert b"Review and acknowledge" in client_for(manager).get(home).content
    assert b"data-alert-banner" in client_for(manager).get(reverse("admin:index")).content
    assert b"data-alert-banner" not in client_for(clerk).get(home).content
    for alert in Alert.objects.open():
        client_for(manager).post(reverse("monitoring:alert_ack", args=[alert.pk]))
    assert b"data-alert-banner" not in client_for(triage_user).get(home).content


def test_banner_costs_one_query(rf, triage_user, activity, django_assert_num_queries):
    from monitoring.context_processors import alert_banner

    request = rf.get("/")
    request.user = triage_user
    triage_user.has_perm("monitoring.view_alert")  # the navigation fills the perm cache
    with django_assert_num_queries(1):
        context = alert_banner(request)
    assert len(context["open_alerts"]) == Alert.objects.open().count()
    assert context["alerts_url"].startswith(reverse("admin:monitoring_alert_changelist"))


def test_admin_pages_and_acknowledge_action(client_for, manager, triage_user, activity):
    client = client_for(manager)
    for name in (
        "admin:monitoring_alert_changelist",
        "admin:monitoring_metric_changelist",
        "admin:monitoring_alertrule_changelist",
    ):
        assert client.get(reverse(name)).status_code == 200, name
    ids = list(Alert.objects.open().values_list("pk", flat=True))
    response = client.post(
        reverse("admin:monitoring_alert_changelist"),
        {"action": "acknowledge", "_selected_action": ids},
    )
    assert response.status_code == 302
    assert not Alert.objects.open().exists()
    # Triage staff can read the alert list the banner links to, not the metrics.
    triage = client_for(triage_user)
    assert triage.get(reverse("admin:monitoring_alert_changelist")).status_code == 200
    assert triage.get(reverse("admin:monitoring_metric_changelist")).status_code == 403


def test_the_alert_lists_state_filter_picks_unresolved_or_open_for_over_a_day(
    client_for, manager, activity, now
):
    old, acknowledged, *_ = Alert.objects.open().order_by("pk")
    Alert.objects.filter(pk=old.pk).update(opened_at=now - timedelta(hours=25))
    alert_acknowledge(alert=acknowledged, actor=manager)
    Alert.objects.filter(pk=acknowledged.pk).update(opened_at=now - timedelta(hours=30))
    resolved = Alert.objects.create(
        kind=RuleKind.FEED_MISSING, subject="gone", severity="high", message="x",
        status=Alert.Status.RESOLVED, opened_at=now - timedelta(days=3),
    )  # fmt: skip
    client = client_for(manager)
    changelist = reverse("admin:monitoring_alert_changelist")

    def listed(state):
        return {a.pk for a in client.get(changelist, {"state": state}).context["cl"].result_list}

    unresolved = set(
        Alert.objects.exclude(status=Alert.Status.RESOLVED).values_list("pk", flat=True)
    )
    assert resolved.pk not in unresolved and acknowledged.pk in unresolved
    assert listed("active") == unresolved
    assert listed("stale") == {old.pk}  # open 25 h; the acknowledged one is not open
    assert listed("") == unresolved | {resolved.pk}


def test_manager_edits_a_threshold_in_the_admin(client_for, manager, now):
    rule = AlertRule.objects.get(kind=RuleKind.ERROR_RATE)
    url = reverse("admin:monitoring_alertrule_change", args=[rule.pk])
    response = client_for(manager).post(
        url,
        {
            "enabled": "on",
            "severity": "high",
            "threshold": "7.5",
            "window_hours": "48",
            "not_before_hour": "0",
        },
    )
    assert response.status_code == 302, response.content[:500]
    rule.refresh_from_db()
    assert (rule.threshold, rule.window_hours, rule.severity) == (7.5, 48, "high")


def test_metrics_admin_is_read_only(client_for, admin_user, now):
    ingest_run(at=now)
    metric, count = Metric.objects.first(), Metric.objects.count()
    client = client_for(admin_user)
    change = reverse("admin:monitoring_metric_change", args=[metric.pk])
    assert client.get(change).status_code == 200
    assert client.get(reverse("admin:monitoring_metric_add")).status_code == 403
    edit = {"source": metric.source, "name": metric.name, "value": "999", "run_id": "1"}
    assert client.post(change, edit).status_code == 403  # even the superuser may not edit
    assert client.post(reverse("admin:monitoring_metric_add"), edit).status_code == 403
    assert Metric.objects.get(pk=metric.pk).value == metric.value
    assert Metric.objects.count() == count


def test_alerts_drill_through_to_the_records_behind_them(client_for, admin_user, activity):
    client = client_for(admin_user)
    alerts = {(a.kind, a.subject): a for a in client.get(DASHBOARD).context["alerts"]}
    lojack = alerts[(RuleKind.FEED_MISSING, "lojack")]
    assert lojack.drill_url == (
        reverse("admin:inventory_feedimport_changelist") + "?source__exact=lojack"
    )
    assert client.get(lojack.drill_url).status_code == 200
    criticals = Alert(kind=RuleKind.CRITICAL_EXCEPTIONS_UP, subject="", message="up")
    url = alert_drill_url(criticals)  # the open criticals (the list opens on open work)
    assert url == reverse("admin:inventory_inventoryexception_changelist") + (
        "?priority__exact=CRITICAL"
    )
    assert client.get(url).status_code == 200


def test_demo_load_evaluates_once_and_is_idempotent(now):
    from io import StringIO

    from monitoring.demo import demo_load

    out = StringIO()
    demo_load(stdout=out)
    first = list(Alert.objects.values_list("kind", "subject", "severity", "status"))
    # no demo runs here: the empty day's alerts, each once and open
    assert sorted(first) == sorted((*a, Alert.Status.OPEN) for a in EMPTY_DAY_ALERTS)
    demo_load(stdout=out)
    assert list(Alert.objects.values_list("kind", "subject", "severity", "status")) == first
    assert "invoices health: 0.0 / 100" in out.getvalue()
    opened = len(EMPTY_DAY_ALERTS)
    assert f"alerts: {opened} new, 0 holding, 0 resolved; {opened} unresolved" in out.getvalue()
    assert f"alerts: 0 new, {opened} holding, 0 resolved; {opened} unresolved" in out.getvalue()


def test_managers_read_the_task_history_and_schedules(client_for, manager, clerk, now):
    for name in (
        "admin:django_q_success_changelist",
        "admin:django_q_failure_changelist",
        "admin:django_q_schedule_changelist",
    ):
        assert client_for(manager).get(reverse(name)).status_code == 200, name
        assert client_for(clerk).get(reverse(name)).status_code == 403, name
    html = client_for(manager).get(DASHBOARD).content.decode()
    assert reverse("admin:django_q_failure_changelist") in html
