"""The invoices dashboard in a real browser: charts drawn with local plotly, drill-through works."""

import re

from playwright.sync_api import expect

from invoices.services import invoice_ingest
from tests.factories import ManagerFactory
from tests.invoices.conftest import hand_dataset


def test_invoices_dashboard_draws_charts_and_drills_into_the_admin(
    live_server, page, login_as, transactional_db
):
    invoice_ingest(payloads=hand_dataset(), source="browser test")
    login_as(ManagerFactory())
    outside = []

    def guard(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(live_server.url + "/invoices/")
    expect(page.locator("h1")).to_have_text("Repair-shop invoices")
    expect(page.locator('[data-kpi="invoices"]')).to_have_text("3")
    for chart in ("chart-revenue", "chart-customers", "chart-parts", "chart-technicians"):
        expect(page.locator(f"#{chart} .main-svg").first).to_be_visible()
    assert outside == []  # plotly.js came from FleetOps, nothing from a CDN
    page.locator('a:has([data-kpi="failed"])').click()
    expect(page).to_have_url(re.compile(r"/admin/invoices/rawinvoice/\?status__exact=failed"))
    expect(page.locator("#result_list")).to_contain_text("D1")
