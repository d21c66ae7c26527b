"""A vehicle's page keeps every cell of its tables within reach: the raw source rows (a
CDK export has a dozen columns) and the exception history are wider than a phone, and
wider than the page at 1280 px for a full CDK row. The admin's form rows hide what
overflows, so the rightmost cells (store, entry date; an exception's closing and note)
were cut off with no way to scroll to them. The read-only field now scrolls."""

import pytest

from inventory.models import Vehicle
from inventory.services import feed_import, vehicles_reconcile
from tests.factories import TriageUserFactory
from tests.inventory import factories as f

pytestmark = pytest.mark.browser

CDK = (
    "VIN,Stock No,Year,Make,Model,Trim,New/Used,Cost,List Price,Entry Date,Store\n"
    "{vin},PE08924R,2022,Jeep,Wrangler,Unlimited Sahara 4x4,New,65259.00,"
    '"$73,720.00",2026-10-27,Midway Honda of the Northern Suburbs\n'
)


def reachable(page, selector: str) -> bool:
    """Whether the element can be brought into view by scrolling its read-only field to
    the end, as a reader would: its centre is then on screen and is that element."""
    return page.eval_on_selector(
        selector,
        """cell => {
            const box = cell.closest('.readonly');
            box.scrollLeft = box.scrollWidth;
            const r = cell.getBoundingClientRect();
            const x = r.left + r.width / 2, y = r.top + r.height / 2;
            if (x < 0 || x > window.innerWidth) return false;
            cell.scrollIntoView({block: 'center', inline: 'nearest'});
            const s = cell.getBoundingClientRect();
            const hit = document.elementFromPoint(s.left + s.width / 2, s.top + s.height / 2);
            return hit !== null && (hit === cell || cell.contains(hit));
        }""",
    )


@pytest.mark.parametrize("width", [390, 1280])
def test_the_last_cells_of_the_raw_row_and_the_history_can_be_scrolled_to(
    live_server, page, login_as, transactional_db, width
):
    vin = f.make_vin()
    feed_import(source="cdk", data=CDK.format(vin=vin).encode(), filename="cdk.csv")
    vehicles_reconcile()
    vehicle = Vehicle.objects.get(vin=vin)
    login_as(TriageUserFactory())
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(f"{live_server.url}/admin/inventory/vehicle/{vehicle.pk}/change/")

    assert page.locator("table.raw-row td").last.inner_text().startswith("Midway Honda")
    assert reachable(page, "table.raw-row tr:last-child td:last-child")
    if width == 390:
        assert reachable(page, ".field-exception_history tr:last-child td:last-child")
