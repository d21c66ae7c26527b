"""ABC (Pareto) classification of customers, products and sales reps by revenue."""

from decimal import Decimal

from django.db.models import Count, Sum

from sales.models import SalesSettings
from sales.selectors.base import (
    SalesFilter,
    money,
    order_revenue,
    ratio,
    revenue_expression,
    revenue_lines,
)
from sales.selectors.organisation import OfficeInfo, offices_by_code
from sales.selectors.products import product_info

ABC_HELP = (
    "Items sorted by revenue (highest first): class A while the cumulative revenue share "
    "before the item is below {a}%, B while below {b}%, else C."
)


def abc_classify(
    rows: list[dict], *, a_pct: Decimal, b_pct: Decimal, key: str = "revenue", tie: str = ""
) -> list[dict]:
    """Sort ``rows`` by ``key`` descending and add ``share``, ``cumulative_before`` and ``abc``.

    The share before an item is the sum of the revenue of the items ranked above it,
    so the first item is always A and an item that crosses a cut-off keeps the better class.
    Equal revenues are ranked by ``tie`` (the item's natural key, e.g. the customer
    number), so an item tied at a cut-off gets the same class on every run.
    """
    ordered = sorted(rows, key=lambda r: (-r[key], str(r[tie]) if tie else ""))
    total = sum((r[key] for r in ordered), Decimal("0"))
    running = Decimal("0")
    out = []
    for row in ordered:
        before = (running / total * 100) if total else Decimal("0")
        klass = "A" if before < a_pct else "B" if before < b_pct else "C"
        out.append(
            {
                **row,
                "share": ratio(row[key], total),
                "cumulative_before": float(before / 100),
                "abc": klass,
            }
        )
        running += row[key]
    return out


def _classify(settings: SalesSettings, rows, *, tie: str) -> list[dict]:
    return abc_classify(list(rows), a_pct=settings.abc_a_pct, b_pct=settings.abc_b_pct, tie=tie)


def customers_abc(settings: SalesSettings, flt: SalesFilter) -> list[dict]:
    rows = (
        order_revenue(settings, flt)
        .values(
            "customer_id",
            "customer__customer_name",
            "customer__country",
            "customer__credit_limit",
            "customer__sales_rep__first_name",
            "customer__sales_rep__last_name",
        )
        .annotate(revenue=Sum("rev"), orders=Count("pk"))
    )
    return _classify(
        settings,
        (
            {
                "customer_number": r["customer_id"],
                "customer_name": r["customer__customer_name"],
                "country": (r["customer__country"] or "").strip(),
                "sales_rep": " ".join(
                    filter(
                        None,
                        [
                            r["customer__sales_rep__first_name"],
                            r["customer__sales_rep__last_name"],
                        ],
                    )
                ),
                "credit_limit": money(r["customer__credit_limit"]),
                "orders": r["orders"],
                "revenue": money(r["revenue"]),
            }
            for r in rows
        ),
        tie="customer_number",
    )


def products_abc(settings: SalesSettings, flt: SalesFilter) -> list[dict]:
    rows = (
        revenue_lines(settings, flt)
        .values("product_id")  # grouped by code alone; names from one product lookup
        .annotate(
            revenue=Sum(revenue_expression()),
            units=Sum("quantity_ordered"),
            orders=Count("pk"),  # (order, product) is unique: one line per order
        )
        .order_by()
    )
    info = product_info()
    return _classify(
        settings,
        (
            {
                "product_code": r["product_id"],
                "product_name": info[r["product_id"]][0],
                "product_line": info[r["product_id"]][1],
                "units": r["units"],
                "orders": r["orders"],
                "revenue": money(r["revenue"]),
            }
            for r in rows
        ),
        tie="product_code",
    )


def reps_abc(
    settings: SalesSettings, flt: SalesFilter, offices: dict[str, OfficeInfo] | None = None
) -> list[dict]:
    """Sales reps by the revenue of their customers (customers without a rep left out);
    their office named as in ``offices_by_code`` (read here unless given)."""
    offices = offices_by_code() if offices is None else offices
    rows = (
        order_revenue(settings, flt)
        .filter(customer__sales_rep__isnull=False)
        .values(
            "customer__sales_rep_id",
            "customer__sales_rep__first_name",
            "customer__sales_rep__last_name",
            "customer__sales_rep__office_id",
        )
        .annotate(
            revenue=Sum("rev"),
            customers=Count("customer", distinct=True),
            orders=Count("pk"),
        )
    )
    return _classify(
        settings,
        (
            {
                "employee_number": r["customer__sales_rep_id"],
                "name": f"{r['customer__sales_rep__first_name']} "
                f"{r['customer__sales_rep__last_name']}",
                "office": offices[r["customer__sales_rep__office_id"]].label,
                "territory": offices[r["customer__sales_rep__office_id"]].territory,
                "customers": r["customers"],
                "orders": r["orders"],
                "revenue": money(r["revenue"]),
            }
            for r in rows
        ),
        tie="employee_number",
    )
