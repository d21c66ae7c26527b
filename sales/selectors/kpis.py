"""Executive KPIs with year-over-year change, monthly trend, revenue by product line."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, Max, Min, Q, Sum, When
from django.db.models.functions import ExtractMonth, ExtractYear

from sales.models import Order, SalesSettings
from sales.selectors.base import (
    Periods,
    SalesFilter,
    change,
    money,
    order_revenue,
    periods_for,
    ratio,
    revenue_expression,
    revenue_lines,
)
from sales.selectors.products import product_info

KPI_HELP = {
    "revenue": "Σ quantity × price of order lines; orders with an excluded status or no "
    "order date are left out.",
    "orders": "Distinct orders with revenue in the period.",
    "customers": "Distinct customers with at least one such order (active customers).",
    "aov": "Average order value = revenue ÷ orders.",
    "on_time_rate": "Orders shipped on or before their required date ÷ orders shipped "
    "(orders placed in the period with revenue, with a shipped and a required date).",
    "yoy": "Year over year = (this period − same span of the prior year) ÷ prior. When the "
    "year is incomplete at the as-of date, both sides run to the same day (year to date). "
    "No change is shown when the data has no previous year or the prior figure is zero.",
}
# The data's first order this long after the prior period starts: the prior period is
# said to be only partly in the data (a first order in the first days is ordinary).
PARTIAL_PRIOR_AFTER = timedelta(days=31)


def available_years(until: date | None = None) -> list[int]:
    """Years with dated orders, up to the as-of date ``until`` when given."""
    orders = Order.objects.filter(order_date__isnull=False)
    if until is not None:
        orders = orders.filter(order_date__lte=until)
    years = (
        orders.annotate(y=ExtractYear("order_date"))
        .values_list("y", flat=True)
        .distinct()
        .order_by("y")
    )
    return list(years)


def kpi_year(settings: SalesSettings, as_of: date | None) -> int | None:
    """The year of the KPIs when none is selected: the latest year with an order the KPIs
    count (dated, status not excluded, with lines) up to the as-of date. Neither an as-of
    date set after the last order nor a last order that does not count (a Cancelled order
    or one without lines, whose date is the as-of date when none is set) makes the year
    shown: every card would read zero, down 100%."""
    if as_of is None:
        return None
    counted = order_revenue(settings, SalesFilter(), end=as_of)
    last = counted.aggregate(d=Max("order_date"))["d"]
    return (last or as_of).year


def _period_figures(settings: SalesSettings, flt: SalesFilter, p: Periods) -> dict:
    """Both periods in one query over orders (revenue from the order totals)."""
    cur = Q(order_date__gte=p.start, order_date__lte=p.end)
    pri = Q(order_date__gte=p.prior_start, order_date__lte=p.prior_end)
    shipped = Q(shipped_date__isnull=False, required_date__isnull=False)
    on_time = Case(When(shipped_date__lte=F("required_date"), then=1), output_field=IntegerField())
    return order_revenue(settings, flt.without_year(), start=p.prior_start, end=p.end).aggregate(
        revenue=Sum("rev", filter=cur),
        orders=Count("pk", filter=cur),
        customers=Count("customer", distinct=True, filter=cur),
        shipped=Count("pk", filter=cur & shipped),
        on_time=Count(on_time, filter=cur & shipped),
        p_revenue=Sum("rev", filter=pri),
        p_orders=Count("pk", filter=pri),
        p_customers=Count("customer", distinct=True, filter=pri),
        p_shipped=Count("pk", filter=pri & shipped),
        p_on_time=Count(on_time, filter=pri & shipped),
    )


def executive_kpis(
    settings: SalesSettings, flt: SalesFilter, year: int, as_of: date | None
) -> dict:
    """KPIs of ``year`` (filters applied) and their YoY change against the prior year's span."""
    p = periods_for(year, as_of)
    f = _period_figures(settings, flt, p)
    current = {
        "revenue": money(f["revenue"]),
        "orders": f["orders"],
        "customers": f["customers"],
    }
    prior = {
        "revenue": money(f["p_revenue"]),
        "orders": f["p_orders"],
        "customers": f["p_customers"],
    }
    for values, prefix in ((current, ""), (prior, "p_")):
        values["aov"] = money(values["revenue"] / values["orders"]) if values["orders"] else None
        values["on_time_rate"] = ratio(f[prefix + "on_time"], f[prefix + "shipped"])
    yoy = {key: change(current[key], prior[key]) for key in current}
    # the data's first dated order (any filter, any status): before the prior period ends,
    # the data has a previous year; long after the prior period starts, only part of it
    first = Order.objects.filter(order_date__isnull=False).aggregate(d=Min("order_date"))["d"]
    has_previous_year = first is not None and first <= p.prior_end
    return {
        "year": year,
        **current,
        "yoy": yoy,
        "prior": prior,
        "periods": p,
        "first_order": first,
        "has_previous_year": has_previous_year,
        "prior_data_from": (
            first if has_previous_year and first - p.prior_start > PARTIAL_PRIOR_AFTER else None
        ),
    }


def monthly_revenue(settings: SalesSettings, flt: SalesFilter) -> list[dict]:
    """Revenue per calendar month (all years unless a year is selected)."""
    rows = (
        order_revenue(settings, flt)
        .annotate(y=ExtractYear("order_date"), m=ExtractMonth("order_date"))
        .values("y", "m")
        .annotate(revenue=Sum("rev"), orders=Count("pk"))
        .order_by("y", "m")
    )
    return [
        {"year": r["y"], "month": r["m"], "revenue": money(r["revenue"]), "orders": r["orders"]}
        for r in rows
    ]


def revenue_by_product_line(settings: SalesSettings, flt: SalesFilter) -> list[dict]:
    """Revenue and units per product line: lines summed per product code (no join of
    every order line to its product), then products rolled up to their line."""
    per_product = (
        revenue_lines(settings, flt)
        .values("product_id")
        .annotate(revenue=Sum(revenue_expression()), units=Sum("quantity_ordered"))
        .order_by()
    )
    info = product_info()
    totals: dict[str, list] = {}
    for r in per_product:
        line = totals.setdefault(info[r["product_id"]][1], [Decimal(0), 0])
        line[0] += r["revenue"] or 0
        line[1] += r["units"] or 0
    total = sum(revenue for revenue, _ in totals.values())
    ordered = sorted(totals.items(), key=lambda item: (-item[1][0], item[0]))
    return [
        {
            "product_line": line,
            "revenue": money(revenue),
            "units": units,
            "share": ratio(revenue, total),
        }
        for line, (revenue, units) in ordered
    ]
