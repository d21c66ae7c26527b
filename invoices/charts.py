"""Plotly figures of the invoices dashboard (graph_objects only; rows in, HTML out)."""

from collections import defaultdict

import plotly.graph_objects as go

from fleetops.charts import figure_html
from invoices.choices import LineType

TYPE_COLOURS = {
    LineType.LABOR: "#1f6feb",
    LineType.PART: "#2e7d32",
    LineType.SUPPLY: "#f9a825",
    LineType.FREIGHT: "#8e24aa",
    LineType.MISC: "#546e7a",
}


def revenue_chart(rows: list[dict]) -> str:
    """Stacked bars: revenue per month, one colour per line type."""
    months = sorted({r["month"] for r in rows})
    by_type: dict[str, dict] = defaultdict(dict)
    for r in rows:
        by_type[r["line_type"]][r["month"]] = float(r["amount"] or 0)
    fig = go.Figure()
    for line_type in LineType:
        if line_type.value in by_type:
            values = by_type[line_type.value]
            fig.add_trace(
                go.Bar(
                    name=line_type.label,
                    x=[m.strftime("%Y-%m") for m in months],
                    y=[values.get(m, 0) for m in months],
                    marker_color=TYPE_COLOURS[line_type],
                )
            )
    fig.update_layout(barmode="stack", yaxis_title="Revenue ($)")
    return figure_html(fig, div_id="chart-revenue")


def customers_chart(customers: list) -> str:
    rows = list(reversed(customers))
    fig = go.Figure(
        go.Bar(
            x=[float(c.revenue or 0) for c in rows],
            y=[c.customer_title or "(none)" for c in rows],
            orientation="h",
            marker_color="#1f6feb",
        )
    )
    fig.update_layout(xaxis_title="Revenue ($)")
    return figure_html(fig, div_id="chart-customers", margin={"l": 180, "r": 20, "t": 30, "b": 40})


def parts_chart(parts: list) -> str:
    fig = go.Figure()
    labels = [p.part_number or p.description[:20] for p in parts]
    fig.add_trace(go.Bar(name="Revenue", x=labels, y=[float(p.revenue or 0) for p in parts]))
    fig.add_trace(go.Bar(name="Cost", x=labels, y=[float(p.cost or 0) for p in parts]))
    fig.add_trace(
        go.Scatter(
            name="Margin %",
            x=labels,
            y=[float(p.margin_pct or 0) for p in parts],
            yaxis="y2",
            mode="markers+lines",
        )
    )
    fig.update_layout(
        barmode="group",
        yaxis_title="$",
        yaxis2={"title": "Margin %", "overlaying": "y", "side": "right", "rangemode": "tozero"},
    )
    return figure_html(fig, div_id="chart-parts")


def technicians_chart(technicians: list) -> str:
    names = [t.technician for t in technicians]
    fig = go.Figure()
    fig.add_trace(go.Bar(name="Billed h", x=names, y=[float(t.billed_hours) for t in technicians]))
    fig.add_trace(
        go.Bar(name="Clocked h", x=names, y=[float(t.clocked_hours) for t in technicians])
    )
    fig.add_trace(
        go.Scatter(
            name="Efficiency %",
            x=names,
            y=[float(t.efficiency_pct or 0) for t in technicians],
            yaxis="y2",
            mode="markers",
        )
    )
    fig.update_layout(
        barmode="group",
        yaxis_title="Hours",
        yaxis2={"title": "Efficiency %", "overlaying": "y", "side": "right", "rangemode": "tozero"},
    )
    return figure_html(fig, div_id="chart-technicians")
