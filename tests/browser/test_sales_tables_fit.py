"""A manager on a 1280px screen sees every column of the order and customer tables of the
Risks and Opportunities pages; on a 390px phone the page does not scroll sideways, each
table scrolls inside its panel and says so (a shadow on the side with more columns).

Browser tests (Playwright driving Debian's Chromium).
"""

import pytest

from tests.factories import ManagerFactory

pytestmark = pytest.mark.browser

TABLES = {
    "/sales/risks/": ("late", "unshipped"),
    "/sales/opportunities/": ("overdue", "churn"),
}
LAST_COLUMN = {
    "late": "Days late",
    "unshipped": "Days late",
    "overdue": "Predicted next",
    "churn": "Revenue",
}

EDGES = """(name) => {
  const panel = document.getElementById('table-' + name);
  const heads = panel.querySelectorAll('table.data thead th');
  const last = heads[heads.length - 1];
  const cells = panel.querySelectorAll('table.data tbody tr:first-child td');
  return {
    label: last.textContent.trim(),
    head: last.getBoundingClientRect().right,
    cell: cells[cells.length - 1].getBoundingClientRect().right,
    panel: panel.getBoundingClientRect().right,
    page: document.documentElement.scrollWidth,
  };
}"""


@pytest.fixture
def manager_page(live_server, page, login_as, transactional_db):
    from sales.demo import DEMO_DIR
    from sales.services import classicmodels_load

    assert classicmodels_load(directory=DEMO_DIR).status == "succeeded"
    login_as(ManagerFactory())
    return page


def test_every_column_of_the_order_and_customer_tables_shows_at_1280px(live_server, manager_page):
    page = manager_page
    page.set_viewport_size({"width": 1280, "height": 900})
    for path, names in TABLES.items():
        page.goto(live_server.url + path)
        for name in names:
            edges = page.evaluate(EDGES, name)
            assert edges["label"].startswith(LAST_COLUMN[name]), (path, edges)
            assert edges["head"] <= edges["panel"] <= 1280, (path, name, edges)
            assert edges["cell"] <= edges["panel"], (path, name, edges)
            assert edges["page"] <= 1280, (path, edges)


def test_on_a_phone_the_tables_scroll_inside_their_panel_and_show_it(live_server, manager_page):
    page = manager_page
    page.set_viewport_size({"width": 390, "height": 844})
    for path, names in TABLES.items():
        page.goto(live_server.url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        for name in names:
            box = page.locator(f"#table-{name} .table-scroll")
            assert box.count() == 1, (path, name)
            wider = box.evaluate("e => e.scrollWidth > e.clientWidth")
            if wider:  # the cue: shadows drawn over the edges that have more columns
                style = box.evaluate("e => getComputedStyle(e).backgroundImage")
                assert style.count("radial-gradient") == 2, (name, style)
            box.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
            edges = page.evaluate(EDGES, name)
            assert edges["head"] <= edges["panel"] + 0.5, (path, name, edges)
            # the header and its CSV link stay put while the table scrolls
            link = page.locator(f"#table-{name} .table-head a.button").bounding_box()
            assert link["x"] >= 0 and link["x"] + link["width"] <= edges["panel"], (name, link)
