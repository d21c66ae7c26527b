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


# What each metric a run records is called on the page (the raw name stays the value:
# the trace's and the picker button's ``name``). Money says "$", durations their unit.
_SALES_TABLES = {
    "offices": "Offices",
    "employees": "Employees",
    "customers": "Customers",
    "productlines": "Product lines",
    "products": "Products",
    "orders": "Orders",
    "orderdetails": "Order lines",
    "payments": "Payments",
}
METRIC_LABELS = {
    "invoices.ingest": {
        "fetched": "Invoices fetched",
        "processed": "Invoices processed",
        "failed": "Invoices failed",
        "skipped": "Invoices skipped",
        "line_items_created": "Line items created",
        "total_value": "Invoice value in $",
        "duration_seconds": "Ingest duration in seconds",
        "data_quality_score": "Data-quality score (%)",
    },
    "inventory.feed": {
        "rows_read": "Rows read",
        "vehicles": "Vehicles in the feeds",
        "invalid_rows": "Invalid rows",
        "duplicates": "Duplicate rows",
        "duration_seconds": "Import duration in seconds",
    },
    "inventory.reconcile": {
        "vehicles": "Vehicles reconciled",
        "aligned": "Vehicles aligned in every source",
        "aligned_pct": "Vehicles aligned (%)",
        "oem_not_in_cdk": "OEM allocations not in CDK",
        "not_marketed": "Vehicles not marketed",
        "ghost_listing": "Ghost listings",
        "no_tracking": "Vehicles without tracking",
        "critical_open": "Critical exceptions open",
        "oem_at_risk": "OEM allocations at risk, $ MSRP",
        "not_marketed_value": "Not marketed, $ CDK cost",
        "floorplan_monthly": "Floorplan cost per month at risk, $",
        "untracked_value": "Untracked value, $ CDK cost",
        "duration_seconds": "Reconciliation duration in seconds",
    },
    "sales.load": {
        **{f"rows_{table}": f"{label} rows loaded" for table, label in _SALES_TABLES.items()},
        "rows_removed": "Rows removed",
        "problems": "Row problems",
        "excluded_orders": "Orders excluded from the KPIs",
    },
}


def metric_label(source: str, name: str) -> str:
    """A metric as people read it, with how a day's values are combined: "Rows read per
    day" (a day's sum), "Critical exceptions open (daily mean)"."""
    label = METRIC_LABELS.get(source, {}).get(name) or name.replace("_", " ").capitalize()
    return f"{label} per day" if daily_mode(source, name) == "sum" else f"{label} (daily mean)"


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
    names = sorted(series, key=lambda name: metric_label(source, name))  # as the picker reads
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
                hovertemplate=f"%{{x|%b %d}}: %{{y:,}}<extra>{metric_label(source, name)}</extra>",
            )
        )
    buttons = [
        {
            "label": metric_label(source, name),
            "method": "update",
            "name": name,
            "args": [
                {"visible": [n == name for n in names]},
                # raw plotly.js arguments, not checked by plotly.py: plotly.js 3 takes
                # a title only as {"text": ...}
                {"yaxis": {"title": {"text": metric_label(source, name)}, "rangemode": "tozero"}},
            ],
        }
        for name in names
    ]
    fig.update_layout(
        updatemenus=[
            {"buttons": buttons, "active": names.index(first), "x": 0, "y": 1.18, "xanchor": "left"}
        ],
        yaxis={"title": metric_label(source, first), "rangemode": "tozero"},
        xaxis=day_axis([at for points in series.values() for at, _ in points]),
        showlegend=False,
    )
    return figure_html(fig, div_id=div_id, height=300)
