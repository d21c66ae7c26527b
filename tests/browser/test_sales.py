"""A manager opens Regional with no internet, clicks a country on the map, the page filters."""

import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.factories import ManagerFactory


def test_regional_map_click_filters_the_page_offline(live_server, page, login_as, transactional_db):
    from sales.demo import DEMO_DIR
    from sales.services import classicmodels_load

    assert classicmodels_load(directory=DEMO_DIR).status == "succeeded"
    login_as(ManagerFactory())
    host = urlsplit(live_server.url).netloc
    blocked = []

    def only_fleetops(route):
        if urlsplit(route.request.url).netloc == host:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_fleetops)
    page.goto(live_server.url + "/sales/regional/")
    countries = page.locator("#world-map path.choroplethlocation")
    expect(countries.first).to_be_attached(timeout=15000)  # geography loaded from FleetOps
    index = page.evaluate(
        """() => Array.from(document.querySelectorAll('#world-map path.choroplethlocation'))
                .findIndex(p => p.__data__ && p.__data__.loc === 'Australia')"""
    )
    assert index >= 0
    countries.nth(index).scroll_into_view_if_needed()
    box = countries.nth(index).bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page).to_have_url(re.compile(r"country=Australia"))
    expect(page.get_by_test_id("country-filter")).to_have_text("Country Australia")
    expect(page.locator("#table-countries tbody tr")).to_have_count(1)
    expect(page.locator("#table-countries tbody tr td").first).to_have_text("Australia")
    assert not blocked, blocked


def test_picking_a_territory_narrows_the_country_list(
    live_server, page, login_as, transactional_db
):
    from sales.demo import DEMO_DIR
    from sales.services import classicmodels_load

    assert classicmodels_load(directory=DEMO_DIR).status == "succeeded"
    login_as(ManagerFactory())
    page.goto(live_server.url + "/sales/?territory=EMEA&country=USA")
    expect(page.get_by_test_id("no-match")).to_contain_text("Nothing matches these filters")
    offered = """() => Array.from(document.querySelectorAll('select[name=country] option'))
                   .filter(o => !o.hidden).map(o => o.textContent)"""
    page.select_option("select[name=territory]", "Japan")  # USA is not in Japan: unselected
    assert page.evaluate(offered) == ["All", "Hong Kong", "Japan", "Philippines", "Singapore"]
    assert page.locator("select[name=country]").input_value() == ""
    page.select_option("select[name=territory]", "NA")
    assert page.evaluate(offered) == ["All", "Canada", "USA"]
    page.select_option("select[name=country]", "USA")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"territory=NA&country=USA"))
    expect(page.get_by_test_id("no-match")).to_have_count(0)
    expect(page.locator("[data-kpi=revenue] .value")).to_contain_text("$")


def test_a_wide_import_preview_scrolls_inside_the_page(
    live_server, page, login_as, transactional_db, tmp_path
):
    """A clerk previewing a customers file at 1280 px: the page keeps the window's width
    (the 13-column preview table scrolls inside it; it used to widen the page to ~1,500 px)."""
    from sales.demo import DEMO_DIR
    from tests.factories import ClerkFactory

    lines = (DEMO_DIR / "customers.csv").read_text(encoding="utf-8").splitlines()[:6]
    upload = tmp_path / "customers.csv"
    upload.write_text("\n".join(lines) + "\n", encoding="utf-8")
    page.set_viewport_size({"width": 1280, "height": 900})
    login_as(ClerkFactory())
    page.goto(f"{live_server.url}/admin/sales/customer/import/")
    page.set_input_files("input[name=import_file]", str(upload))
    page.locator("#content input[type=submit]").click()
    expect(page.locator("table.import-preview")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    table = page.locator("table.import-preview")
    assert table.evaluate("t => t.scrollWidth > t.clientWidth")  # wide, scrolling inside
