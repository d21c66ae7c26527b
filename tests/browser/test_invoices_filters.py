"""The dashboard's date and shop filters in a real browser: pick, apply, read the period.

A browser test (``-m browser``) kept with the invoices tests; it uses the browser suite's
fixtures (Debian's Chromium, a logged-in session), as test_dashboard_layout.py does.
"""

import pytest
from playwright.sync_api import expect

from invoices.services import invoice_ingest
from tests.factories import ManagerFactory
from tests.invoices.test_dashboard_scope import _invoice

pytestmark = pytest.mark.browser


def test_a_range_and_a_shop_picked_in_the_form_narrow_the_figures(
    live_server,
    page,
    login_as,
    transactional_db,
):
    invoice_ingest(
        payloads=[
            _invoice("S1", "2025-05-20", "North", "ACME", "100", "1", "Ann", "1", sub_total="100"),
            _invoice("S2", "2025-06-10", "North", "BETA", "60", "1", "Bob", "1", sub_total="60"),
            _invoice("S3", "2025-06-25", "South", "ACME", "80", "1", "Ann", "1", sub_total="80"),
        ],
        source="browser filters",
    )
    login_as(ManagerFactory())
    page.goto(live_server.url + "/invoices/")
    expect(page.get_by_test_id("period")).to_contain_text(
        "Invoices dated 2025-05-20 to 2025-06-25 (every invoice: no dates chosen)"
    )
    expect(page.locator('[data-kpi="revenue"]')).to_have_text("$240")
    page.get_by_label("Invoice date from").fill("2025-06-01")
    page.get_by_label("Invoice date to").fill("2025-06-30")
    page.get_by_label("Shop").select_option("North")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_test_id("period")).to_contain_text("Invoices dated 2025-06-01 to 2025-06-30")
    expect(page.get_by_test_id("shop")).to_have_text("North")
    expect(page.locator('[data-kpi="invoices"]')).to_have_text("1")  # S2 only
    expect(page.locator('[data-kpi="revenue"]')).to_have_text("$60")
    expect(page.locator("#top-customers")).not_to_contain_text("ACME")
    page.locator('a:has([data-kpi="revenue"])').click()  # the lines it counts: S2's
    expect(page.locator("#result_list")).to_contain_text("NS2")
    expect(page.locator("#result_list")).not_to_contain_text("NS3")
