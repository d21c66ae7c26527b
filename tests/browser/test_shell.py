import re

from playwright.sync_api import expect

from tests.factories import TEST_PASSWORD, ManagerFactory


def test_login_and_navigation(live_server, page, transactional_db):
    manager = ManagerFactory()
    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.fill("#id_username", manager.username)
    page.fill("#id_password", TEST_PASSWORD)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("FleetOps")
    expect(page.locator(".topbar .brand")).to_be_visible()
    # Theme switch flips the document theme and is remembered.
    before = page.evaluate("document.documentElement.dataset.theme")
    page.click("[data-theme-toggle]")
    after = page.evaluate("document.documentElement.dataset.theme")
    assert {before, after} == {"light", "dark"}
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == after
