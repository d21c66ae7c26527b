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


def test_no_page_misses_its_favicon(live_server, page, login_as, transactional_db):
    """Browsers ask for the page's icon (or /favicon.ico) on every page: none is missing,
    on the site's pages, the admin, the API docs or a refusal."""
    from tests.factories import ClerkFactory

    failed = []
    page.on("response", lambda r: failed.append((r.status, r.url)) if r.status == 404 else None)
    login_as(ManagerFactory())
    for path in ("/", "/admin/", "/api/docs"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
    icon = page.evaluate("fetch('/favicon.ico').then(r => [r.status, r.url])")
    assert icon == [200, live_server.url + "/static/favicon.ico"]
    login_as(ClerkFactory())
    page.goto(live_server.url + "/inventory/")
    expect(page.locator("h1")).to_have_text("You can’t open this page")
    expect(page.get_by_role("link", name="Back to the home page")).to_be_visible()
    page.wait_for_load_state("networkidle")
    assert not failed, failed
