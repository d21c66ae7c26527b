"""Plotly figures for the inventory dashboard (graph_objects only; shaping rows, no queries)."""

import plotly.graph_objects as go

from fleetops.charts import PRIORITY_COLOURS, figure_html
from inventory.models import KIND_SHORT_LABELS

# The matrix's rows and columns, labelled on two lines where long: a one-line label
# ("Neither vAuto nor LoJack") took a third of a phone's width from the cells, whose
# numbers then ran together.
ROWS = (("", "Neither CDK<br>nor OEM"), ("C", "CDK"), ("O", "OEM"), ("CO", "CDK +<br>OEM"))
COLS = (("", "Neither vAuto<br>nor LoJack"), ("V", "vAuto"), ("L", "LoJack"),
        ("VL", "vAuto +<br>LoJack"))  # fmt: skip


def combo_of(row: str, col: str) -> str:
    letters = set(row + col)
    return "".join(c for c in "CVLO" if c in letters)


def priority_chart(rows: list[dict]) -> str:
    """Open exceptions per priority, stacked: past SLA (solid) under within SLA (hatched).

    Each bar's height is the open count (labelled on top); a click on a segment opens the
    admin list it counts (``customdata``, followed by static/inventory/inventory.js).
    """
    names = [r["priority"] for r in rows]
    colours = [PRIORITY_COLOURS[r["priority"]] for r in rows]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            name="Past SLA", x=names, y=[r["breached"] for r in rows],
            marker={"color": colours}, customdata=[r["breached_url"] for r in rows],
            hovertemplate="%{x}: %{y:,} open past SLA<extra></extra>",
        )
    )  # fmt: skip
    fig.add_trace(
        go.Bar(
            name="Within SLA", x=names, y=[r["open"] - r["breached"] for r in rows],
            marker={"color": colours, "opacity": 0.45, "pattern": {"shape": "/"}},
            customdata=[r.get("within_url", r["url"]) for r in rows],
            hovertemplate="%{x}: %{y:,} open within SLA<extra></extra>",
        )
    )  # fmt: skip
    for r in rows:
        fig.add_annotation(
            x=r["priority"], y=r["open"], text=f"{r['open']:,} open", showarrow=False,
            yanchor="bottom",
        )  # fmt: skip
    fig.update_layout(
        barmode="stack", xaxis={"type": "category"},
        yaxis={"title": {"text": "open exceptions"}, "rangemode": "tozero"},
    )  # fmt: skip
    return figure_html(fig, div_id="inv-priority", height=300)


# In-cell counts at the page's text size: plotly's "auto" shrinks them to fit the cell
# (about 6 px for "CVLO: 2,535"), so the cells hold the count alone, at a fixed size.
# On a narrow screen the page's stylesheet makes them smaller (dashboard.html, the
# ``heatmap-label`` texts); the table below the chart lists every count in full.
MATRIX_CELL_FONT = 12


def matrix_chart(matrix: dict[str, int]) -> str:
    """Vehicles per combination of sources: the count in each cell (the combination is
    its row and column), the combination's letters and count on hover; the table beside
    the chart lists them too. No colour bar: the numbers are in the cells."""
    z = [[matrix.get(combo_of(r, c), 0) for c, _ in COLS] for r, _ in ROWS]
    text = [[f"{n:,}" for n in row] for row in z]
    hover = [[f"{combo_of(r, c) or '—'}: {matrix.get(combo_of(r, c), 0):,} vehicles"
              for c, _ in COLS] for r, _ in ROWS]  # fmt: skip
    fig = go.Figure(
        go.Heatmap(
            z=z, x=[label for _, label in COLS], y=[label for _, label in ROWS], text=text,
            texttemplate="%{text}", textfont={"size": MATRIX_CELL_FONT}, customdata=hover,
            colorscale="Blues", showscale=False, hovertemplate="%{customdata}<extra></extra>",
        )
    )  # fmt: skip
    # labels level (never slanted) and the margins sized to them
    fig.update_xaxes(tickangle=0, automargin=True, side="bottom")
    fig.update_yaxes(automargin=True)
    return figure_html(
        fig, div_id="inv-matrix", height=340, margin={"l": 10, "r": 10, "t": 20, "b": 10}
    )


def trend_chart(points: list[dict]) -> str:
    fig = go.Figure()
    x = [p["finished_at"] for p in points]
    for kind, label in KIND_SHORT_LABELS.items():
        fig.add_trace(go.Scatter(x=x, y=[p[kind] for p in points], name=label, mode="lines"))
    fig.add_trace(
        go.Scatter(x=x, y=[p["aligned_pct"] for p in points], name="Aligned %", yaxis="y2",
                   line={"dash": "dot"})
    )  # fmt: skip
    # its own round ticks: an overlaying axis otherwise syncs its ticks to the left axis's
    # grid (1.1, 17.5, ... 99.1)
    fig.update_layout(
        yaxis2={"title": {"text": "Aligned %"}, "overlaying": "y", "side": "right",
                "range": [0, 100], "tickmode": "array", "tickvals": [0, 20, 40, 60, 80, 100],
                "showgrid": False},
    )  # fmt: skip
    right = {"l": 50, "r": 60, "t": 30, "b": 40}  # room for the right axis's title
    return figure_html(fig, div_id="inv-trend", height=340, margin=right)


def store_chart(stores: list[dict]) -> str:
    fig = go.Figure()
    names = [s["store"] for s in stores]
    for kind, label in KIND_SHORT_LABELS.items():
        fig.add_trace(go.Bar(x=names, y=[s["counts"].get(kind, 0) for s in stores], name=label))
    fig.update_layout(barmode="stack")
    return figure_html(fig, div_id="inv-stores", height=340)
