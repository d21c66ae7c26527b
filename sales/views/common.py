"""What every sales page shares: filters from the URL, the settings used, tables and CSV."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models.functions import Trim
from django.shortcuts import render

from fleetops.csvexport import csv_response
from sales.models import Customer, ProductLine, SalesSettings
from sales.selectors.base import (
    TERRITORIES,
    UNASSIGNED,
    SalesFilter,
    as_of_date,
    year_after_as_of,
)
from sales.selectors.kpis import available_years

PAGES = (
    ("sales:executive", "Executive"),
    ("sales:regional", "Regional"),
    ("sales:risks", "Risks & Diagnostics"),
    ("sales:opportunities", "Opportunities"),
    ("sales:deep_dive", "Deep Dive"),
)


# Rows a page's table shows until asked for all (``?rows=<name>``); the CSV has them all.
TABLE_ROWS = 25


@dataclass
class TableSpec:
    """One table of a page: shown as HTML and downloadable as CSV (``?export=<name>``)."""

    name: str
    title: str
    columns: list[tuple[str, str, str]]  # (label, row key, kind)
    rows: list[dict]
    help: str = ""
    limit: int | None = TABLE_ROWS
    sortable: bool = False
    extra: dict = field(default_factory=dict)

    def max_of(self, key: str) -> float:
        """The largest value of a column (for data bars), computed once per table."""
        cache = self.extra.setdefault("_max", {})
        if key not in cache:
            cache[key] = max((float(r.get(key) or 0) for r in self.rows), default=0.0)
        return cache[key]

    @property
    def shown(self) -> list[dict]:
        return self.rows if self.limit is None else self.rows[: self.limit]

    @property
    def truncated(self) -> bool:
        return self.limit is not None and len(self.rows) > self.limit

    def csv_rows(self):
        for row in self.rows:
            yield [row.get(key) for _, key, _ in self.columns]


def filter_options(as_of) -> dict:
    countries = (
        Customer.objects.annotate(c=Trim("country"))
        .values_list("c", flat=True)
        .distinct()
        .order_by("c")
    )
    return {
        "years": available_years(until=as_of),
        "territories": [*TERRITORIES, UNASSIGNED],
        "countries": list(countries),
        "product_lines": list(ProductLine.objects.values_list("pk", flat=True).order_by("pk")),
    }


def settings_used(settings: SalesSettings, as_of, *names: str) -> list[tuple[str, str]]:
    labels = {
        "as_of": ("As of", f"{as_of:%Y-%m-%d}" if as_of else "no orders"),
        "excluded": ("Excluded statuses", ", ".join(settings.excluded_status_list) or "none"),
        "credit_ratio": ("Credit ratio", f"{settings.credit_ratio}"),
        "overdue_days": ("Overdue after", f"{settings.overdue_days} days"),
        "churn_days": ("Churn risk after", f"{settings.churn_days} days"),
        "demand": (
            "Demand trend",
            f"±{settings.demand_trend_pct}% over {settings.demand_window_days} days",
        ),
        "crosssell": (
            "Cross-sell",
            f"≥ {settings.crosssell_min_orders} orders together; window "
            f"{settings.crosssell_window_days or 'all'} days",
        ),
        "abc": ("ABC cut-offs", f"A < {settings.abc_a_pct}%, B < {settings.abc_b_pct}%"),
        "rfm": (
            "RFM tiers",
            f"Top ≥ {settings.rfm_top_min}, High ≥ {settings.rfm_high_min}, "
            f"Mid ≥ {settings.rfm_mid_min}",
        ),
    }
    if settings.as_of_date is None and as_of:
        labels["as_of"] = ("As of", f"{as_of:%Y-%m-%d} (latest order date)")
    return [labels[n] for n in ("as_of", "excluded", *names)]


Builder = Callable[[SalesSettings, SalesFilter, object, dict], tuple[dict, list[TableSpec]]]


def render_page(request, *, template: str, title: str, build: Builder, params: dict | None = None):
    """Run ``build`` with the URL filters; serve ``?export=<table>`` as CSV, else the page
    (``?rows=<table>``: that table with all its rows)."""
    settings = SalesSettings.current()
    flt = SalesFilter.from_params(request.GET)
    as_of = as_of_date(settings)
    notice = ""
    if year_after_as_of(flt.year, as_of):  # no order of it counts: refused, said on the page
        notice = (
            f"{flt.year} is after the as-of date ({as_of:%Y-%m-%d}): no order of it counts, "
            "so all years up to the as-of date are shown."
        )
        flt = flt.without_year()
    extra = {key: request.GET.get(key, "").strip() for key in (params or {})}
    context, tables = build(settings, flt, as_of, extra)
    export = request.GET.get("export")
    if export:
        for table in tables:
            if table.name == export:
                return csv_response(
                    f"sales-{table.name}.csv",
                    [label for label, _, _ in table.columns],
                    table.csv_rows(),
                )
    for table in tables:
        if table.name == request.GET.get("rows") and table.limit:
            table.limit = None
    query = flt.as_params()
    query.update({k: v for k, v in extra.items() if v})
    return render(
        request,
        template,
        {
            "title": title,
            "pages": PAGES,
            "flt": flt,
            "as_of": as_of,
            "options": filter_options(as_of),
            "notice": notice,
            "tables": {t.name: t for t in tables},
            "query": query,
            "extra": extra,
            **context,
        },
    )
