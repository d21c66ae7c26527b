"""Figures for the monitoring dashboard: one trend chart per run source.
Each chart holds one line per metric; a dropdown picks the metric shown, so every
metric's trend is one click away without a wall of charts.
"""

import datetime as dt

import plotly.graph_objects as go

from fleetops.charts import figure_html
from monitoring.selectors import daily_mode

SOURCE_TITLES = {
    "invoices.ingest": "Invoice ingestion",
    "inventory.feed": "Feed imports",
    "inventory.reconcile": "Reconciliation",
    "sales.load": "Sales data loads",
}
# The metric shown first for each source.
DEFAULT_METRIC = {
    "invoices.ingest": "processed",
    "inventory.feed": "rows_read",
    "inventory.reconcile": "critical_open",
    "sales.load": "rows_orders",
}


def _axis(source: str, name: str) -> str:
    return f"{name} ({'per day' if daily_mode(source, name) == 'sum' else 'daily mean'})"


def day_axis(days: list[dt.date]) -> dict:
    """A date axis labelled by day that spans at least a week, even with one point, with
    half a day of margin on each side (a point on the edge would be cut in half)."""
    axis = {"type": "date", "tickformat": "%b %d"}
    if days:
        last = dt.datetime.combine(max(days), dt.time())
        first = min(dt.datetime.combine(min(days), dt.time()), last - dt.timedelta(days=7))
        axis["range"] = [first - dt.timedelta(hours=12), last + dt.timedelta(hours=12)]
    return axis


def metric_trend(source: str, series: dict[str, list], *, div_id: str) -> str:
    """``series``: ``{name: [(day, value), ...]}`` for one source (see ``metric_series``)."""
    names = sorted(series)
    first = DEFAULT_METRIC.get(source)
    first = first if first in series else names[0]
    fig = go.Figure()
    for name in names:
        points = series[name]
        fig.add_trace(
            go.Scatter(
                x=[at for at, _ in points],
                y=[value for _, value in points],
                mode="lines+markers",
                name=name,
                visible=name == first,
            )
        )
    buttons = [
        {
            "label": name,
            "method": "update",
            "args": [
                {"visible": [n == name for n in names]},
                # raw plotly.js arguments, not checked by plotly.py: plotly.js 3 takes
                # a title only as {"text": ...}
                {"yaxis": {"title": {"text": _axis(source, name)}, "rangemode": "tozero"}},
            ],
        }
        for name in names
    ]
    fig.update_layout(
        updatemenus=[
            {"buttons": buttons, "active": names.index(first), "x": 0, "y": 1.18, "xanchor": "left"}
        ],
        yaxis={"title": _axis(source, first), "rangemode": "tozero"},
        xaxis=day_axis([at for points in series.values() for at, _ in points]),
        showlegend=False,
    )
    return figure_html(fig, div_id=div_id, height=300)
