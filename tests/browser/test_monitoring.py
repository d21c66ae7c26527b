"""Monitoring dashboard in a browser: charts render offline, acknowledging clears the banner."""

from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from monitoring.alerts import alerts_evaluate
from monitoring.models import Alert
from tests.factories import ManagerFactory
from tests.monitoring.factories import ingest_run, reconcile_run


def test_manager_acknowledges_an_alert_and_the_banner_goes(
    live_server, page, login_as, transactional_db
):
    now = timezone.now()
    ingest_run(at=now - timedelta(hours=3), processed=90, failed=10)  # error rate 10 %
    reconcile_run(at=now - timedelta(hours=1))
    alerts_evaluate()
    blocked = []
    page.route(
        lambda url: not url.startswith(live_server.url),
        lambda route: (blocked.append(route.request.url), route.abort()),
    )
    login_as(ManagerFactory())

    page.goto(live_server.url + "/monitoring/")
    expect(page.locator("h1")).to_have_text("Monitoring")
    expect(page.locator("[data-health=invoices] .value")).not_to_be_empty()
    expect(page.locator("#trend-0 .main-svg").first).to_be_visible()  # plotly drew offline
    assert blocked == []
    banner = page.locator("[data-alert-banner]")
    expect(banner).to_contain_text("Invoice error rate 10.0%")

    row = page.locator("tr", has_text="Invoice error rate")
    row.get_by_role("button", name="Acknowledge").click()
    expect(page.locator(".messages")).to_contain_text("Alert acknowledged")
    # The banner lists only unacknowledged alerts: gone altogether when this was the only
    # one (other freshness alerts depend on the time of day the test runs).
    expect(page.locator("[data-alert-banner]", has_text="Invoice error rate")).to_have_count(0)
    assert Alert.objects.get(kind="invoice_error_rate").status == "acknowledged"
