"""Turn plotly figures into HTML fragments for Django templates.

plotly.js itself is loaded once by the page from ``{% static 'vendor/plotly.min.js' %}``
(served by FleetOps, never a CDN), so every figure renders with ``include_plotlyjs=False``.
Chart builders in ``<app>/charts.py`` only shape rows into figures and call ``figure_html``.
"""

import plotly.graph_objects as go
from django.utils.safestring import mark_safe

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True}
PALETTE = ["#1f6feb", "#ef6c00", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#6d4c41", "#546e7a"]
PRIORITY_COLOURS = {"CRITICAL": "#c62828", "HIGH": "#ef6c00", "MEDIUM": "#f9a825", "OK": "#2e7d32"}


def base_layout(**overrides) -> dict:
    layout = {
        "margin": {"l": 50, "r": 20, "t": 30, "b": 40},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "font": {"family": "system-ui, sans-serif", "size": 12},
        "colorway": PALETTE,
        # above the plot: below it, a legend overlapped long or slanted category labels
        "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "x": 0},
    }
    layout.update(overrides)
    return layout


def figure_html(fig: go.Figure, *, div_id: str, height: int = 340, **layout) -> str:
    """An HTML ``<div>`` + script for ``fig``; the page must load plotly.min.js first.

    ``layout`` overrides the shared layout (``base_layout``) for this figure."""
    fig.update_layout(**base_layout(height=height, **layout))
    return mark_safe(
        fig.to_html(
            include_plotlyjs=False,
            full_html=False,
            div_id=div_id,
            config=PLOTLY_CONFIG,
            default_width="100%",
            default_height=f"{height}px",
        )
    )
