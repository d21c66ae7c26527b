"""Plotly figures of the sales pages (graph_objects only); rows in, HTML fragment out."""

import plotly.graph_objects as go
import plotly.io as pio
from django.templatetags.static import static
from django.utils.safestring import mark_safe

from fleetops.charts import PALETTE, PLOTLY_CONFIG, base_layout
from sales.levels import level_colour

# Money axes and colour bars read in dollars, as the tables and cards do.
DOLLARS = {"tickprefix": "$"}
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def html(fig: go.Figure, *, div_id: str, height: int = 340, **layout) -> str:
    """Like ``fleetops.charts.figure_html`` plus the locally served topojson for maps.

    The traces are validated when built; the shared page layout (``base_layout``, plain
    fixed values) is merged into the figure's JSON instead of ``fig.update_layout``:
    plotly's layout validation cost ~30 ms per chart, most of a 1× page's Python time.
    """
    spec = fig.to_plotly_json()
    spec["layout"] = {**spec.get("layout", {}), **base_layout(height=height, **layout)}
    config = {**PLOTLY_CONFIG, "topojsonURL": static("sales/topojson/")}
    return mark_safe(
        pio.to_html(
            spec,
            validate=False,
            include_plotlyjs=False,
            full_html=False,
            div_id=div_id,
            config=config,
            default_width="100%",
            default_height=f"{height}px",
        )
    )


def monthly_revenue_chart(rows: list[dict]) -> str:
    """One line per year. A month without revenue between the first and the last month
    of the rows is a point at zero: left out, the line was drawn straight across it."""
    fig = go.Figure()
    revenue = {(r["year"], r["month"]): float(r["revenue"]) for r in rows}
    span = sorted(revenue)
    for year in sorted({year for year, _ in span}):
        first = span[0][1] if year == span[0][0] else 1
        last = span[-1][1] if year == span[-1][0] else 12
        months = range(first, last + 1)
        fig.add_trace(
            go.Scatter(
                x=[MONTHS[m - 1] for m in months],
                y=[revenue.get((year, m), 0.0) for m in months],
                mode="lines+markers",
                name=str(year),
            )
        )
    # Months in calendar order: plotly orders categories as the traces first name them,
    # so a first year starting in July put the next year's January after December.
    return html(
        fig,
        div_id="monthly-revenue",
        xaxis={"categoryorder": "array", "categoryarray": MONTHS},
        yaxis={"title": {"text": "Revenue"}, **DOLLARS},
    )


def product_line_chart(rows: list[dict]) -> str:
    fig = go.Figure(
        go.Bar(
            x=[float(r["revenue"]) for r in rows],
            y=[r["product_line"] for r in rows],
            orientation="h",
            marker_color=PALETTE[0],
        )
    )
    return html(
        fig,
        div_id="product-lines",
        xaxis={"title": {"text": "Revenue"}, **DOLLARS},
        yaxis={"autorange": "reversed"},
        margin={"l": 120},
    )


def world_map(rows: list[dict], selected: str = "") -> str:
    fig = go.Figure(
        go.Choropleth(
            locations=[r["name"] for r in rows],
            locationmode="country names",
            z=[float(r["revenue"]) for r in rows],
            text=[r["name"] for r in rows],
            colorscale="Blues",
            marker_line_color=["#ef6c00" if r["name"] == selected else "#888" for r in rows],
            marker_line_width=[2.5 if r["name"] == selected else 0.5 for r in rows],
            colorbar={"title": "Revenue", **DOLLARS},
            hovertemplate="%{text}<br>Revenue $%{z:,.0f}<extra></extra>",
        )
    )
    fig.update_geos(
        showframe=False,
        showcoastlines=False,
        projection_type="natural earth",
        bgcolor="rgba(0,0,0,0)",
        showcountries=True,
        countrycolor="#999",
        landcolor="#d9d9d9",
        showland=True,
    )
    return html(fig, div_id="world-map", height=420, margin={"l": 0, "r": 0, "t": 10, "b": 0})


def territory_chart(rows: list[dict]) -> str:
    fig = go.Figure(
        [
            go.Bar(
                x=[r["name"] for r in rows], y=[float(r["revenue"]) for r in rows], name="Revenue"
            ),
        ]
    )
    return html(fig, div_id="territories", yaxis={"title": {"text": "Revenue"}, **DOLLARS})


def credit_scatter(rows: list[dict]) -> str:
    fig = go.Figure()
    for status in ("over-credited", "under-credited", "aligned"):
        points = [r for r in rows if r["status"] == status]
        fig.add_trace(
            go.Scatter(
                x=[float(r["revenue"]) for r in points],
                y=[float(r["credit_limit"]) for r in points],
                text=[r["customer_name"] for r in points],
                mode="markers",
                name=status,
                marker={"color": level_colour(status), "size": 8},
                hovertemplate="%{text}<br>Revenue $%{x:,.0f}<br>Credit $%{y:,.0f}<extra></extra>",
                # one point per customer (10,000s at scale): plotly's per-element
                # validation of these plain lists of floats and strings cost ~0.3 s
                _validate=False,
            )
        )
    return html(
        fig,
        div_id="credit-scatter",
        xaxis={"title": {"text": "Revenue"}, **DOLLARS},
        yaxis={"title": {"text": "Credit limit"}, **DOLLARS},
    )


def on_time_chart(rows: list[dict]) -> str:
    fig = go.Figure(
        go.Scatter(
            x=[f"{r['year']}-{r['month']:02d}" for r in rows],
            y=[r["rate"] for r in rows],
            mode="lines+markers",
            name="On-time rate",
        )
    )
    return html(fig, div_id="on-time", yaxis={"tickformat": ".0%", "range": [0, 1.05]})


def rfm_chart(summary: list[dict]) -> str:
    """Customers per tier: the bars' heights and labels are customer counts; the tier's
    revenue is in the hover, named as revenue (and in the Tiers table beside the chart)."""
    fig = go.Figure(
        go.Bar(
            x=[s["tier"] for s in summary],
            y=[s["customers"] for s in summary],
            text=[
                f"{s['customers']} customer{'' if s['customers'] == 1 else 's'}" for s in summary
            ],
            customdata=[float(s["revenue"]) for s in summary],
            marker_color=[level_colour(s["tier"]) for s in summary],
            hovertemplate="%{x}: %{y} customers<br>Revenue $%{customdata:,.2f}<extra></extra>",
        )
    )
    return html(fig, div_id="rfm-tiers", yaxis={"title": {"text": "Customers"}})
