"""Cell formatting for the sales tables (one place for conditional formatting)."""

from datetime import date
from urllib.parse import urlencode

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()
PILLS = {
    "A": "ok",
    "B": "medium",
    "C": "high",
    "over-credited": "medium",
    "under-credited": "critical",
    "Top": "ok",
    "High": "ok",
    "Mid": "medium",
    "Low": "high",
    "growing": "ok",
    "stable": "medium",
    "declining": "critical",
}


def _money(value) -> str:
    return intcomma(f"{float(value):,.2f}".replace(",", "")) if value is not None else "–"


@register.simple_tag
def cell(row: dict, key: str, kind: str, table=None):
    value = row.get(key)
    if value is None or value == "":
        return mark_safe('<td class="muted">–</td>')
    if kind in ("abc", "status", "tier", "trend"):
        return format_html('<td><span class="pill {}">{}</span></td>', PILLS.get(value, ""), value)
    if kind == "money":
        return format_html('<td class="num" data-v="{}">{}</td>', value, _money(value))
    if kind == "bar":
        top = table.max_of(key) if table is not None else 0
        width = int(100 * float(value) / top) if top else 0
        return format_html(
            '<td class="num bar" data-v="{}" style="--w:{}%">{}</td>', value, width, _money(value)
        )
    if kind == "pct":
        return format_html('<td class="num" data-v="{}">{}</td>', value, f"{100 * value:.1f}%")
    if kind == "signed":
        css = "up" if value > 0 else "down" if value < 0 else ""
        return format_html(
            '<td class="num delta {}" data-v="{}">{}</td>', css, value, f"{100 * value:+.1f}%"
        )
    if kind == "ratio":
        return format_html('<td class="num" data-v="{}">{}</td>', value, f"{value:.2f}")
    if kind in ("int", "num"):
        return format_html('<td class="num" data-v="{}">{}</td>', value, intcomma(value))
    if kind == "late":
        css = "bad" if value > 0 else ""
        return format_html('<td class="num {}" data-v="{}">{}</td>', css, value, value)
    if kind == "load":
        css = "bad" if row.get("overloaded") else ""
        return format_html('<td class="num {}" data-v="{}">{}</td>', css, value, value)
    if isinstance(value, date):
        return format_html('<td data-v="{}">{}</td>', value.isoformat(), value.isoformat())
    return format_html("<td>{}</td>", value)


@register.simple_tag
def kpi_value(value, kind: str):
    if value is None:
        return "–"
    if kind == "money":
        return _money(value)
    if kind == "pct":
        return f"{100 * value:.1f}%"
    return intcomma(value)


@register.simple_tag
def query_with(query: dict, **changes) -> str:
    """The current filters with ``changes`` applied (empty value removes a key)."""
    merged = {**query, **changes}
    return "?" + urlencode({k: v for k, v in merged.items() if v not in ("", None)})
