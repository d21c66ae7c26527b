"""Risks and diagnostics: credit, customers without a rep, late and unshipped orders."""

from datetime import date
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, Q, Sum, When
from django.db.models.functions import ExtractMonth, ExtractYear

from sales.models import Order, SalesSettings
from sales.selectors.base import (
    SalesFilter,
    counted_orders,
    money,
    order_revenue,
    ratio,
)

RISK_HELP = {
    "credit": "Among customers with revenue in the filtered period: over-credited when credit "
    "limit ≥ ratio × revenue, under-credited when revenue ≥ ratio × credit limit (ratio: {ratio}).",
    "no_rep": "Customers with counted orders but no sales rep.",
    "late": "Orders shipped after their required date.",
    "unshipped": "Counted orders with no shipped date; 'past due' when the required date is before "
    "the as-of date.",
    "exclusions": "Orders left out of KPIs: placed after the as-of date, no order date, or an "
    "excluded status; orders without a required date are left out of the on-time rate. The "
    "counts below the first two are of the orders up to the as-of date (and undated ones).",
    "on_time": "On-time rate per month = orders shipped on or before the required date ÷ orders "
    "shipped, by order month (counted orders with revenue, as the on-time KPI counts them).",
}
OVER, UNDER, ALIGNED = "over-credited", "under-credited", "aligned"


def classify_credit(credit_limit: Decimal, revenue: Decimal, credit_ratio: Decimal) -> str:
    if revenue > 0 and credit_limit >= credit_ratio * revenue:
        return OVER
    if revenue >= credit_ratio * credit_limit:
        return UNDER
    return ALIGNED


def credit_misalignment(settings: SalesSettings, flt: SalesFilter) -> list[dict]:
    """Every customer with revenue, with credit limit, revenue, credit ÷ revenue and a class."""
    rows = (
        order_revenue(settings, flt)
        .values("customer_id", "customer__customer_name", "customer__credit_limit")
        .annotate(revenue=Sum("rev"))
        .order_by("customer_id")
    )
    result = []
    for r in rows:
        revenue = money(r["revenue"])
        limit = money(r["customer__credit_limit"])
        result.append(
            {
                "customer_number": r["customer_id"],
                "customer_name": r["customer__customer_name"],
                "credit_limit": limit,
                "revenue": revenue,
                "credit_to_revenue": ratio(limit, revenue),
                "status": classify_credit(limit, revenue, settings.credit_ratio),
            }
        )
    return result


def customers_without_rep(settings: SalesSettings, flt: SalesFilter) -> list[dict]:
    orders = counted_orders(settings, flt).filter(customer__sales_rep__isnull=True)
    rows = (
        orders.values("customer_id", "customer__customer_name", "customer__country")
        .annotate(orders=Count("pk"))
        .order_by("customer_id")
    )
    return [
        {
            "customer_number": r["customer_id"],
            "customer_name": r["customer__customer_name"],
            "country": r["customer__country"].strip(),
            "orders": r["orders"],
        }
        for r in rows
    ]


def _order_rows(qs, as_of: date | None) -> list[dict]:
    rows = qs.values(
        "order_number",
        "order_date",
        "required_date",
        "shipped_date",
        "status",
        "customer_id",
        "customer__customer_name",
    ).order_by("order_date", "order_number")
    out = []
    for r in rows:
        end = r["shipped_date"] or as_of
        days = (end - r["required_date"]).days if end and r["required_date"] else None
        out.append(
            {
                "order_number": r["order_number"],
                "order_date": r["order_date"],
                "required_date": r["required_date"],
                "shipped_date": r["shipped_date"],
                "status": r["status"],
                "customer_number": r["customer_id"],
                "customer_name": r["customer__customer_name"],
                "days_late": days if days and days > 0 else 0,
            }
        )
    return out


def late_orders(settings: SalesSettings, flt: SalesFilter, as_of: date | None) -> list[dict]:
    qs = counted_orders(settings, flt).filter(shipped_date__gt=F("required_date"))
    return _order_rows(qs, as_of)


def unshipped_orders(settings: SalesSettings, flt: SalesFilter, as_of: date | None) -> list[dict]:
    qs = counted_orders(settings, flt).filter(shipped_date__isnull=True)
    return _order_rows(qs, as_of)


def exclusions(settings: SalesSettings) -> dict:
    """Counts of orders left out of KPIs, in one query (never silently dropped). Orders
    placed after the as-of date are counted once, as such, and in nothing else."""
    excluded = settings.excluded_status_list
    cap = settings.as_of_date
    upto = (Q(order_date__isnull=True) | Q(order_date__lte=cap)) if cap else Q()
    after = {"after_as_of": Count("pk", filter=Q(order_date__gt=cap))} if cap else {}
    counts = Order.objects.aggregate(
        orders=Count("pk"),
        **after,
        no_order_date=Count("pk", filter=Q(order_date__isnull=True)),
        no_required_date=Count("pk", filter=upto & Q(required_date__isnull=True)),
        excluded_status=Count("pk", filter=upto & Q(status__in=excluded)),
        shipped_without_date=Count(
            "pk", filter=upto & Q(status="Shipped", shipped_date__isnull=True)
        ),
        # an order has a total (read model) exactly when it has lines
        no_lines=Count("pk", filter=upto & Q(total__isnull=True)),
    )
    counts["total"] = counts.pop("orders")  # "total" would clash with the relation
    counts.setdefault("after_as_of", 0)
    by_status = dict(
        Order.objects.filter(upto, status__in=excluded)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by("status")
    )
    counts["by_status"] = by_status
    counts["issues"] = list(
        Order.objects.filter(upto)
        .exclude(date_issue="")
        .values_list("order_number", "date_issue")[:50]
    )
    return counts


def on_time_trend(settings: SalesSettings, flt: SalesFilter) -> list[dict]:
    on_time = Case(When(shipped_date__lte=F("required_date"), then=1), output_field=IntegerField())
    rows = (
        order_revenue(settings, flt)  # the orders the on-time KPI counts
        .filter(shipped_date__isnull=False, required_date__isnull=False)
        .annotate(y=ExtractYear("order_date"), m=ExtractMonth("order_date"))
        .values("y", "m")
        .annotate(shipped=Count("pk"), on_time=Count(on_time))
        .order_by("y", "m")
    )
    return [
        {
            "year": r["y"],
            "month": r["m"],
            "shipped": r["shipped"],
            "on_time": r["on_time"],
            "rate": ratio(r["on_time"], r["shipped"]),
        }
        for r in rows
    ]
