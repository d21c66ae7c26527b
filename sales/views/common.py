"""What every sales page shares: filters from the URL, the settings used, the period the
figures cover, tables and CSV."""

from collections.abc import Callable
from copy import copy
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Min, Q
from django.db.models.functions import Trim
from django.shortcuts import render

from fleetops.csvexport import csv_response
from sales.models import Customer, Order, ProductLine, SalesSettings
from sales.selectors.base import (
    TERRITORIES,
    UNASSIGNED,
    SalesFilter,
    as_of_date,
    counted_orders,
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
    # The span of orders the table covers, shown beside its title; None: the page's period
    # (``render_page`` fills it in), "" for a table that is not about a period.
    period: str | None = None

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


@dataclass(frozen=True)
class CountryOption:
    name: str
    territories: tuple[str, ...]  # of its customers' sales reps (``Unassigned``: no rep)
    in_territory: bool  # has customers in the selected territory (or none is selected)
    selected: bool

    @property
    def hidden(self) -> bool:
        """Not offered: outside the selected territory (sales.js shows it again when the
        territory changes in the form). A selected country is never hidden."""
        return not self.in_territory and not self.selected


def country_territories() -> dict[str, tuple[str, ...]]:
    """Each customer country and the territories its customers are served from (one query)."""
    pairs = (
        Customer.objects.annotate(c=Trim("country"))
        .values_list("c", "sales_rep__office__territory")
        .order_by()
        .distinct()
    )
    found: dict[str, set[str]] = {}
    for country, territory in pairs:
        found.setdefault(country, set()).add(territory or UNASSIGNED)
    order = {t: i for i, t in enumerate((*TERRITORIES, UNASSIGNED))}
    return {
        country: tuple(sorted(found[country], key=lambda t: (order.get(t, len(order)), t)))
        for country in sorted(found)
    }


def filter_options(as_of, flt: SalesFilter, territories: dict[str, tuple[str, ...]]) -> dict:
    """The filter form's choices. With a territory selected, only the countries with a
    customer in it are offered (a selected country outside it stays, flagged)."""
    countries = [
        CountryOption(
            name,
            terrs,
            in_territory=not flt.territory or flt.territory in terrs,
            selected=name == flt.country,
        )
        for name, terrs in territories.items()
    ]
    # the four documented territories, then any other the offices serving customers name
    others = {t for terrs in territories.values() for t in terrs} - {*TERRITORIES, UNASSIGNED}
    return {
        "years": available_years(until=as_of),
        "territories": [*TERRITORIES, *sorted(others), UNASSIGNED],
        "countries": countries,
        "product_lines": list(ProductLine.objects.values_list("pk", flat=True).order_by("pk")),
    }


def period_label(flt: SalesFilter, as_of: date | None, years: list[int]) -> str:
    """The span of orders the page's figures cover: "2004", "2005 to 31 May" (the as-of
    date ends it), "All years: 2003 to 31 May 2005"."""
    if as_of is None:
        return "No orders"
    if flt.year:
        if flt.year == as_of.year and as_of < date(as_of.year, 12, 31):
            return f"{flt.year} to {as_of.day} {as_of:%b}"
        return str(flt.year)
    first = years[0] if years else as_of.year
    return f"All years: {first} to {as_of.day} {as_of:%b %Y}"


def first_order_after_as_of(settings: SalesSettings, flt: SalesFilter) -> date | None:
    """The first order the filters match when none is on or before the as-of date set in
    the settings but some are after it (``None`` otherwise)."""
    if settings.as_of_date is None:
        return None
    uncapped = copy(settings)
    uncapped.as_of_date = None
    first = counted_orders(uncapped, flt).aggregate(d=Min("order_date"))["d"]
    return first if first is not None and first > settings.as_of_date else None


def nothing_counts_reason(settings: SalesSettings) -> str:
    """Why no loaded order counts at all, with no filter (their status is excluded, they
    have no order date or are dated after the as-of date); empty when no order is loaded
    or some order counts."""
    if counted_orders(settings, SalesFilter()).exists():
        return ""
    statuses, as_of = settings.excluded_status_list, settings.as_of_date
    after = {"after": Count("pk", filter=Q(order_date__gt=as_of))} if as_of else {}
    counts = Order.objects.aggregate(
        excluded=Count("pk", filter=Q(status__in=statuses)),
        undated=Count("pk", filter=Q(order_date__isnull=True)),
        total=Count("pk"),
        **after,
    )
    why = []
    if counts["excluded"]:
        why.append(f"{counts['excluded']} have an excluded status ({', '.join(statuses)})")
    if counts["undated"]:
        why.append(f"{counts['undated']} have no order date")
    if counts.get("after"):
        why.append(f"{counts['after']} are dated after the as-of date ({as_of:%Y-%m-%d})")
    if not why:  # no order is loaded
        return ""
    return (
        f"{counts['total']} orders are loaded, but none counts: {' and '.join(why)}. "
        "Managers change the excluded statuses in the admin (Sales settings)."
    )


def no_match_note(
    flt: SalesFilter, territories: dict[str, tuple[str, ...]], settings: SalesSettings
) -> dict:
    """Said when the filters match no counted order: why, when the customers tell (a
    country not served from the selected territory) or the as-of date does (set before
    the first order), and whether dropping the territory (keeping the country) is the
    filter to try instead."""
    first = first_order_after_as_of(settings, flt)
    if first is not None:
        reason = (
            f"No order is dated on or before the as-of date ({settings.as_of_date:%Y-%m-%d}): "
            f"the first is on {first:%Y-%m-%d}. Managers change the as-of date in the admin "
            "(Sales settings)."
        )
        return {"reason": reason, "drop_territory": False, "before_first_order": True}
    if reason := nothing_counts_reason(settings):
        return {"reason": reason, "drop_territory": False, "nothing_counts": True}
    served = territories.get(flt.country, ())
    if flt.country and flt.territory and served and flt.territory not in served:
        reason = (
            f"{flt.country} has no customers in territory {flt.territory} "
            f"(its customers are in {', '.join(served)})."
        )
        return {"reason": reason, "drop_territory": True}
    if flt.country and not served:
        return {"reason": f"No customer is in {flt.country}.", "drop_territory": False}
    return {"reason": "", "drop_territory": False}


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
Matcher = Callable[[SalesSettings, SalesFilter, date | None], bool]


def any_counted_order(settings: SalesSettings, flt: SalesFilter, as_of: date | None) -> bool:
    """Whether any counted order passes the filters (one EXISTS query)."""
    return counted_orders(settings, flt).exists()


def render_page(
    request,
    *,
    template: str,
    title: str,
    build: Builder,
    params: dict | None = None,
    matches: Matcher = any_counted_order,
):
    """Run ``build`` with the URL filters; serve ``?export=<table>`` as CSV, else the page
    (``?rows=<table>``: that table with all its rows). ``matches`` tells whether the
    filters leave the page's figures anything to show (else it says "Nothing matches")."""
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
    territories = country_territories()
    options = filter_options(as_of, flt, territories)
    period = period_label(flt, as_of, options["years"])
    # one EXISTS query: whether the page's figures have any order (said on the page)
    no_match = None
    if not matches(settings, flt, as_of):
        no_match = no_match_note(flt, territories, settings)
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
        if table.period is None:
            table.period = period
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
            "options": options,
            "period": period,
            "no_match": no_match,
            "notice": notice,
            "tables": {t.name: t for t in tables},
            "query": query,
            "extra": extra,
            **context,
        },
    )
