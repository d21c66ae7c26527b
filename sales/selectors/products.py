"""Product demand trend and cross-sell pairs (support, confidence, lift)."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, Sum

from sales.models import Product, SalesSettings
from sales.selectors.base import SalesFilter, effective_as_of, order_revenue, revenue_lines

PRODUCT_HELP = {
    "demand": "Units ordered in the last {days} days up to the as-of date vs the {days} days "
    "before: growing when up ≥ {pct}%, declining when down ≥ {pct}%, else stable.",
    "cross_sell": "Product pairs bought in the same order ({window}), at least {min_orders} "
    "orders. Support = orders with both ÷ all orders; confidence = orders with both ÷ "
    "orders with A; lift = P(A and B) ÷ (P(A) × P(B)) over orders (above 1: bought "
    "together more than by chance).",
}


def demand_trend(settings: SalesSettings, flt: SalesFilter, as_of: date | None) -> list[dict]:
    end = effective_as_of(settings, flt, as_of)
    if end is None:
        return []
    window = timedelta(days=settings.demand_window_days)
    mid, start = end - window, end - 2 * window
    cur = Q(order__order_date__gt=mid)
    rows = (
        revenue_lines(settings, flt, start=start + timedelta(days=1), end=end, use_year=False)
        .values("product_id", "product__product_name", "product__product_line_id")
        .annotate(
            current=Sum("quantity_ordered", filter=cur),
            prior=Sum("quantity_ordered", filter=~cur),
        )
        .order_by("product_id")
    )
    threshold = Decimal(settings.demand_trend_pct) / 100
    out = []
    for r in rows:
        current, prior = r["current"] or 0, r["prior"] or 0
        pct = (Decimal(current - prior) / prior) if prior else None
        if pct is None:
            trend = "growing" if current else "stable"
        elif pct >= threshold:
            trend = "growing"
        elif pct <= -threshold:
            trend = "declining"
        else:
            trend = "stable"
        out.append(
            {
                "product_code": r["product_id"],
                "product_name": r["product__product_name"],
                "product_line": r["product__product_line_id"],
                "current_units": current,
                "prior_units": prior,
                "change": float(pct) if pct is not None else None,
                "trend": trend,
            }
        )
    out.sort(key=lambda x: (x["change"] is None, -(x["change"] or 0)))
    return out


def lift(n_ab: int, n_a: int, n_b: int, n_orders: int) -> float | None:
    """P(A∧B) / (P(A) × P(B)) with probabilities over ``n_orders`` orders."""
    if not (n_a and n_b and n_orders):
        return None
    return (n_ab / n_orders) / ((n_a / n_orders) * (n_b / n_orders))


def cross_sell_pairs(
    settings: SalesSettings, flt: SalesFilter, as_of: date | None = None, *, limit: int = 50
) -> list[dict]:
    """Pairs (A < B by code) co-occurring in ≥ ``crosssell_min_orders`` orders, by lift."""
    start = None
    if flt.year is None and settings.crosssell_window_days and as_of is not None:
        start = as_of - timedelta(days=settings.crosssell_window_days - 1)
    basket_flt = replace(flt, product_line="")
    lines = revenue_lines(settings, basket_flt, start=start, end=as_of)
    # Orders with lines = orders with a total (read model): no DISTINCT over the lines.
    n_orders = order_revenue(settings, basket_flt, start=start, end=as_of).count()
    per_product = dict(
        lines.values("product_id").annotate(n=Count("pk")).values_list("product_id", "n")
    )
    pairs = (
        lines.filter(order__lines__product_id__gt=F("product_id"))
        .values("product_id", "order__lines__product_id")
        .annotate(n=Count("pk"))  # (order, product) is unique: no DISTINCT needed
        .filter(n__gte=settings.crosssell_min_orders)
        .order_by("-n")
    )
    rows = []
    for p in pairs:
        a, b, n_ab = p["product_id"], p["order__lines__product_id"], p["n"]
        n_a, n_b = per_product[a], per_product[b]
        rows.append(
            {
                "product_a": a,
                "product_b": b,
                "orders_together": n_ab,
                "support": n_ab / n_orders if n_orders else None,
                "confidence": n_ab / n_a if n_a else None,
                "lift": lift(n_ab, n_a, n_b, n_orders),
            }
        )
    codes = {r["product_a"] for r in rows} | {r["product_b"] for r in rows}
    info = {
        code: (name, line)
        for code, name, line in Product.objects.filter(pk__in=codes).values_list(
            "pk", "product_name", "product_line_id"
        )
    }
    if flt.product_line:  # keep pairs with at least one product of the selected line
        rows = [
            r
            for r in rows
            if flt.product_line in (info[r["product_a"]][1], info[r["product_b"]][1])
        ]
    rows.sort(
        key=lambda r: (-(r["lift"] or 0), -r["orders_together"], r["product_a"], r["product_b"])
    )
    rows = rows[:limit]
    for r in rows:
        r["name_a"], r["name_b"] = info[r["product_a"]][0], info[r["product_b"]][0]
    return rows
