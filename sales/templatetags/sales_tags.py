"""Cell formatting for the sales tables (one place for conditional formatting).

Table bodies are built here in one pass (``table_rows``) rather than by template loops:
at thousands of cells the template engine's per-node overhead dominated page time.
"""

from datetime import date
from decimal import Decimal
from html import escape
from urllib.parse import urlencode

from django import template
from django.utils.safestring import mark_safe

from sales.levels import LEVELS

register = template.Library()
NUMERIC_KINDS = {"money", "bar", "pct", "signed", "ratio", "int", "num", "late", "load"}


def _money(value) -> str:
    return f"{float(value):,.2f}"


def dollars(value) -> str:
    """Money as every FleetOps page shows it: ``-$1,234.50``."""
    return f"{'-' if value < 0 else ''}${_money(abs(value))}"


def _int(value) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{float(value):,.1f}"


def cell_html(row: dict, key: str, kind: str, top: float = 0.0) -> str:
    """One ``<td>``: formatted value, ``data-v`` for sorting, colour by kind."""
    value = row.get(key)
    if value is None or value == "":
        return '<td class="muted">–</td>'
    if kind in ("abc", "status", "tier", "trend"):
        text = escape(str(value))
        return f'<td><span class="pill {LEVELS.get(value, "")}">{text}</span></td>'
    if kind == "money":
        return f'<td class="num" data-v="{value}">{dollars(value)}</td>'
    if kind == "bar":  # revenue, with a data bar
        width = int(100 * float(value) / top) if top else 0
        return f'<td class="num bar" data-v="{value}" style="--w:{width}%">{dollars(value)}</td>'
    if kind == "pct":
        return f'<td class="num" data-v="{value}">{100 * value:.1f}%</td>'
    if kind == "signed":
        css = "up" if value > 0 else "down" if value < 0 else ""
        return f'<td class="num delta {css}" data-v="{value}">{100 * value:+.1f}%</td>'
    if kind == "ratio":
        return f'<td class="num" data-v="{value}">{value:.2f}</td>'
    if kind in ("int", "num"):
        return f'<td class="num" data-v="{value}">{_int(value)}</td>'
    if kind == "late":
        css = "bad" if value > 0 else ""
        return f'<td class="num {css}" data-v="{value}">{value}</td>'
    if kind == "load":
        css = "bad" if row.get("overloaded") else ""
        return f'<td class="num {css}" data-v="{value}">{value}</td>'
    if isinstance(value, date):
        return f'<td class="nowrap" data-v="{value.isoformat()}">{value.isoformat()}</td>'
    if isinstance(value, int | Decimal):
        return f"<td>{value}</td>"
    return f"<td>{escape(str(value))}</td>"


@register.simple_tag
def cell(row: dict, key: str, kind: str, table=None):
    top = table.max_of(key) if table is not None and kind == "bar" else 0.0
    return mark_safe(cell_html(row, key, kind, top))


@register.simple_tag
def table_rows(table) -> str:
    """The ``<tr>`` rows of a table's shown rows."""
    tops = {key: table.max_of(key) for _, key, kind in table.columns if kind == "bar"}
    out = []
    for row in table.shown:
        cells = "".join(
            cell_html(row, key, kind, tops.get(key, 0.0)) for _, key, kind in table.columns
        )
        out.append(f"<tr>{cells}</tr>")
    return mark_safe("".join(out))


@register.simple_tag
def header_class(kind: str) -> str:
    return "num" if kind in NUMERIC_KINDS else ""


@register.simple_tag
def kpi_value(value, kind: str):
    if value is None:
        return "–"
    if kind == "money":  # a headline figure: in dollars, as the other dashboards show them
        return dollars(value)
    if kind == "pct":
        return f"{100 * value:.1f}%"
    return _int(value)


@register.filter
def pct(value, signed: str = "") -> str:
    """A fraction as a percentage: ``0.1234|pct`` -> 12.3%, ``|pct:"+"`` -> +12.3%."""
    if value is None or value == "":
        return "–"
    return f"{100 * float(value):{'+' if signed else ''}.1f}%"


@register.simple_tag
def query_with(query: dict, **changes) -> str:
    """The current filters with ``changes`` applied (empty value removes a key)."""
    merged = {**query, **changes}
    return "?" + urlencode({k: v for k, v in merged.items() if v not in ("", None)})
