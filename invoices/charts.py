"""Plotly figures of the invoices dashboard (graph_objects only; rows in, HTML out)."""

import math
from collections import defaultdict

import plotly.graph_objects as go

from fleetops.charts import figure_html
from invoices.choices import LineType
from invoices.selectors import month_start

TYPE_COLOURS = {
    LineType.LABOR: "#1f6feb",
    LineType.PART: "#2e7d32",
    LineType.SUPPLY: "#f9a825",
    LineType.FREIGHT: "#8e24aa",
    LineType.MISC: "#546e7a",
}


def _every_month(months: list) -> list:
    """From the first month to the last, the months without revenue included (as zero)."""
    if not months:
        return []
    every = [months[0]]
    while every[-1] < months[-1]:
        every.append(month_start(every[-1], 1))
    return every


def revenue_chart(rows: list[dict]) -> str:
    """Stacked bars: revenue per month, one colour per line type."""
    months = _every_month(sorted({r["month"] for r in rows}))
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
    return figure_html(parts_figure(parts), div_id="chart-parts", margin=RATE_MARGIN)


def parts_figure(parts: list) -> go.Figure:
    """Revenue and cost bars per part (its key: part number, else description), margin %
    over them on the right-hand axis."""
    return _bars_and_rate(
        x=[p.part_key or "(none)" for p in parts],
        bars={
            "Revenue": [float(p.revenue or 0) for p in parts],
            "Cost": [float(p.cost or 0) for p in parts],
        },
        bars_title="Revenue and cost ($)",
        rate=("Margin %", [None if p.margin_pct is None else float(p.margin_pct) for p in parts]),
        mode="markers+lines",
    )


def technicians_chart(technicians: list) -> str:
    return figure_html(
        technicians_figure(technicians), div_id="chart-technicians", margin=RATE_MARGIN
    )


def technicians_figure(technicians: list) -> go.Figure:
    """Billed and clocked hours per technician, efficiency % on the right-hand axis."""
    return _bars_and_rate(
        x=[t.technician or "(none)" for t in technicians],
        bars={
            "Billed h": [float(t.billed_hours) for t in technicians],
            "Clocked h": [float(t.clocked_hours) for t in technicians],
        },
        bars_title="Hours",
        rate=(
            "Efficiency %",
            [None if t.efficiency_pct is None else float(t.efficiency_pct) for t in technicians],
        ),
        mode="markers",
    )


# Room on the right for the percentage axis' tick labels and title.
RATE_MARGIN = {"l": 55, "r": 55, "t": 30, "b": 40}
PERCENT_STEPS = (10, 20, 25, 50, 100, 200, 250, 500, 1000)


def percent_axis(values: list, title: str) -> dict:
    """A right-hand percentage axis with round ticks of its own (0, 20, 40 … 100 %).

    Its range always holds 0 and 100 (the reference for a margin or an efficiency) and
    every value, widened to whole steps; a step is the smallest round one giving at most
    six intervals. Without this, plotly lines its ticks up with the left axis' grid and
    labels them 6.3, 12.7, 19 ...
    """
    present = [v for v in values if v is not None]
    low, high = min([0.0, *present]), max([100.0, *present])
    step = next((s for s in PERCENT_STEPS if (high - low) / s <= 6), PERCENT_STEPS[-1])
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    return {
        "title": {"text": title},
        "overlaying": "y",
        "side": "right",
        "range": [low, high],
        "tickmode": "linear",
        "tick0": 0,
        "dtick": step,
        "ticksuffix": "%",
        "showgrid": False,
        "zeroline": False,
    }


def _bars_and_rate(
    *, x: list, bars: dict[str, list], bars_title: str, rate: tuple[str, list], mode: str
) -> go.Figure:
    """Grouped bars on the left axis and a percentage over them on the right one."""
    fig = go.Figure([go.Bar(name=name, x=x, y=values) for name, values in bars.items()])
    rate_name, rate_values = rate
    fig.add_trace(go.Scatter(name=rate_name, x=x, y=rate_values, yaxis="y2", mode=mode))
    fig.update_layout(
        barmode="group",
        # long part descriptions and names shortened under the bars (whole on hover)
        xaxis={"tickmode": "array", "tickvals": x, "ticktext": [_short(v) for v in x]},
        yaxis={"title": {"text": bars_title}, "rangemode": "tozero"},
        yaxis2=percent_axis(rate_values, rate_name),
    )
    return fig


def _short(label: str, length: int = 16) -> str:
    return label if len(label) <= length else label[: length - 1] + "…"
