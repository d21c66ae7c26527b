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
    return _bars_and_rate(
        x=[p.part_number or p.description[:20] for p in parts],
        bars={
            "Revenue": [float(p.revenue or 0) for p in parts],
            "Cost": [float(p.cost or 0) for p in parts],
        },
        bars_title="$",
        rate=("Margin %", [float(p.margin_pct or 0) for p in parts]),
        mode="markers+lines",
        div_id="chart-parts",
    )


def technicians_chart(technicians: list) -> str:
    return _bars_and_rate(
        x=[t.technician for t in technicians],
        bars={
            "Billed h": [float(t.billed_hours) for t in technicians],
            "Clocked h": [float(t.clocked_hours) for t in technicians],
        },
        bars_title="Hours",
        rate=("Efficiency %", [float(t.efficiency_pct or 0) for t in technicians]),
        mode="markers",
        div_id="chart-technicians",
    )


def _bars_and_rate(
    *, x: list, bars: dict[str, list], bars_title: str, rate: tuple[str, list], mode: str,
    div_id: str,
) -> str:  # fmt: skip
    """Grouped bars on the left axis and a percentage over them on the right one."""
    fig = go.Figure([go.Bar(name=name, x=x, y=values) for name, values in bars.items()])
    rate_name, rate_values = rate
    fig.add_trace(go.Scatter(name=rate_name, x=x, y=rate_values, yaxis="y2", mode=mode))
    fig.update_layout(
        barmode="group",
        yaxis_title=bars_title,
        yaxis2={"title": rate_name, "overlaying": "y", "side": "right", "rangemode": "tozero"},
    )
    return figure_html(fig, div_id=div_id)
