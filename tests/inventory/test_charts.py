"""The dashboard's priority chart: one stacked bar per priority, heights = open counts."""

import json
import re

from fleetops.charts import PRIORITY_COLOURS
from inventory.charts import priority_chart

ROWS = [
    {"priority": "CRITICAL", "open": 125, "breached": 105, "url": "/c", "breached_url": "/cb",
     "within_url": "/cw"},
    {"priority": "HIGH", "open": 2090, "breached": 1850, "url": "/h", "breached_url": "/hb",
     "within_url": "/hw"},
    {"priority": "MEDIUM", "open": 2836, "breached": 2429, "url": "/m", "breached_url": "/mb",
     "within_url": "/mw"},
]  # fmt: skip


def _figure(html: str) -> tuple[list, dict]:
    pattern = r'Plotly\.newPlot\(\s*"inv-priority",\s*(\[.*?\]),\s*(\{.*?\}),\s*\{"displaylogo"'
    match = re.search(pattern, html, re.S)
    assert match, html[:500]
    return json.loads(match.group(1)), json.loads(match.group(2))


def test_every_priority_is_a_stacked_bar_whose_height_is_its_open_count():
    data, layout = _figure(priority_chart(ROWS))
    assert layout["barmode"] == "stack"
    past, within = data
    assert past["name"] == "Past SLA" and within["name"] == "Within SLA"
    assert past["x"] == within["x"] == ["CRITICAL", "HIGH", "MEDIUM"]
    assert past["y"] == [105, 1850, 2429]
    assert within["y"] == [20, 240, 407]  # open - past SLA, by hand
    assert [a + b for a, b in zip(past["y"], within["y"], strict=True)] == [125, 2090, 2836]
    assert past["marker"]["color"] == [PRIORITY_COLOURS[p] for p in ("CRITICAL", "HIGH", "MEDIUM")]
    assert within["marker"]["color"] == past["marker"]["color"]
    assert past["customdata"] == ["/cb", "/hb", "/mb"]
    assert within["customdata"] == ["/cw", "/hw", "/mw"]
    assert [a["text"] for a in layout["annotations"]] == ["125 open", "2,090 open", "2,836 open"]
