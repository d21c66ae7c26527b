"""The dashboard's three side-by-side tables fit their panels (Chromium at 1,400 and 1,000 px).

A browser test (``-m browser``: Debian's Chromium, a logged-in session).
"""

import pytest
from playwright.sync_api import expect

from invoices.services import invoice_ingest
from tests.factories import ManagerFactory
from tests.invoices.payloads import complaint, correction, invoice, part, tech

pytestmark = pytest.mark.browser


CUSTOMERS = [
    "IRONHORSE LOGISTICS INCORPORATED #38", "GREAT PLAINS FREIGHT LLC", "CANYON LOGISTICS INC",
    "HARBOR TRANSPORT CO", "SUMMIT FREIGHT LLC", "LAKESHORE HAULING", "PRAIRIE HAULING",
    "HARBOR LOGISTICS INC", "IRONHORSE EXPRESS #38", "NORTHERN REFRIGERATED CARRIERS",
]  # fmt: skip
TECHNICIANS = ["Christopher Montgomery-Berg", "Casey Khan", "Alexandra Doe", "Drew Diaz"]


def _wide_invoices() -> list:
    """Ten customers and parts, four technicians, figures in the hundreds of thousands."""
    payloads = []
    for n, customer in enumerate(CUSTOMERS):
        parts = [
            part(f"LED MARKER LAMP AMBER {n} INCH ROUND", "1234.5", "99.99", "60.00"),
            part(f"HOSE {n}", "1500", "88.88", "50.00", shop=f"05-32664-{n:03d}-XL"),
        ]
        techs = [tech(TECHNICIANS[n % 4], 100, "1300.25")]
        payloads.append(
            invoice(
                f"W{n}",
                complaints=[
                    complaint(
                        n,
                        labor="123456.78",
                        hours="1234.5",
                        techs=techs,
                        corrections=[correction(n * 10, parts)],
                    )  # fmt: skip
                ],
                sub_total="0",
                vin=f"1FUJGLDR5CLBP{8830 + n}",
                customerTitle=customer,
                Customer={"customerId": n, "title": customer},
                invoiceDate="2026-11-19",
            )
        )
    return payloads


def test_customers_parts_and_technicians_tables_fit_their_panels(
    live_server,
    page,
    login_as,
    transactional_db,
):
    invoice_ingest(payloads=_wide_invoices(), source="wide figures")
    login_as(ManagerFactory())
    for width in (1400, 1000):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(live_server.url + "/invoices/")
        for chart in ("chart-customers", "chart-parts", "chart-technicians"):
            expect(page.locator(f"#{chart} .main-svg").first).to_be_visible()
        panels = page.evaluate(
            """() => [...document.querySelectorAll('div.grid-2 > section.panel')].map(panel => {
                const style = getComputedStyle(panel);
                const room = panel.clientWidth - parseFloat(style.paddingLeft)
                    - parseFloat(style.paddingRight);
                const table = panel.querySelector('table');
                return {title: panel.querySelector('h2').textContent, room: room,
                        table: table.getBoundingClientRect().width,
                        overflow: panel.scrollWidth - panel.clientWidth,
                        rows: table.rows.length};
            })"""
        )
        assert [p["title"][:13] for p in panels] == [
            "Top customers",
            "Parts margin",
            "Technician ef",
        ]
        for p in panels:
            assert p["rows"] > 4, p
            assert p["table"] <= p["room"] + 0.5 and p["overflow"] == 0, (width, p)
