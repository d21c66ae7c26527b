"""The dashboard on a phone (390 px): the source matrix's heat map keeps each count
inside its own cell (they ran together), and the combination letters are explained."""

import pytest

from inventory.admin.filters import SourcesHeldFilter
from inventory.models import ReconciliationRun
from inventory.services import feed_import, vehicles_reconcile
from tests.factories import ManagerFactory
from tests.inventory import factories as f

pytestmark = pytest.mark.browser


def test_heat_map_counts_stay_apart_at_390px(live_server, page, login_as, transactional_db):
    vin = f.make_vin()
    for source, rows in (("cdk", f.cdk_rows({vin: {}})), ("vauto", f.vauto_rows([vin])),
                         ("lojack", f.lojack_rows([vin]))):  # fmt: skip
        feed_import(source=source, data=rows)
    run = vehicles_reconcile()
    # the run's matrix at a million vehicles: a six-digit count in every cell
    combos = SourcesHeldFilter.COMBOS
    ReconciliationRun.objects.filter(pk=run.pk).update(
        matrix={combo: 412_345 + 1_111 * i for i, combo in enumerate(combos)}
    )
    login_as(ManagerFactory())
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/inventory/")
    legend = page.locator(".matrix-legend")
    assert "C = CDK, V = vAuto, L = LoJack, O = OEM" in legend.inner_text()
    page.wait_for_selector("#inv-matrix .heatmap-label")
    boxes = page.eval_on_selector_all(
        "#inv-matrix .heatmap-label text",
        "els => els.map(e => { const b = e.getBBox(); const m = e.getScreenCTM();"
        " return [b.x + m.e, b.y + m.f, b.width, b.height, e.textContent]; })",
    )
    assert len(boxes) == 16, boxes
    plot = page.eval_on_selector("#inv-matrix .nsewdrag", "e => e.getBoundingClientRect().width")
    cell = plot / 4
    for _x, _y, width, _h, text in boxes:
        assert width <= cell - 4, (text, width, cell)  # a margin to each neighbour
    rows: dict[int, list] = {}
    for x, y, width, _h, text in boxes:
        rows.setdefault(round(y), []).append((x, x + width, text))
    for row in rows.values():
        row.sort()
        for (_, right, a), (left, _, b) in zip(row, row[1:], strict=False):
            assert right + 4 <= left, (a, b)
