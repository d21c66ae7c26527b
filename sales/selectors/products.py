"""Product demand trend and cross-sell pairs (support, confidence, lift)."""

from collections import deque
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import repeat

from django.db.models import Aggregate, Q, Sum, TextField

from sales.models import Product, SalesSettings
from sales.selectors.base import SalesFilter, effective_as_of, revenue_lines

PRODUCT_HELP = {
    "demand": "Units ordered in the last {days} days up to the as-of date vs the {days} days "
    "before: growing when up ≥ {pct}%, declining when down ≥ {pct}%, else stable.",
    "cross_sell": "Product pairs bought in the same order ({window}), at least {min_orders} "
    "orders. Support = orders with both ÷ all orders; confidence = orders with both ÷ "
    "orders with A; lift = P(A and B) ÷ (P(A) × P(B)) over orders (above 1: bought "
    "together more than by chance).",
}


def product_info() -> dict[str, tuple[str, str]]:
    """``{product code: (name, product line)}`` of every product (one small query).

    Line-level aggregates group by the product code alone and look names up here,
    instead of joining every order line to its product."""
    return {
        code: (name, line)
        for code, name, line in Product.objects.values_list("pk", "product_name", "product_line_id")
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
        .values("product_id")
        .annotate(
            current=Sum("quantity_ordered", filter=cur),
            prior=Sum("quantity_ordered", filter=~cur),
        )
        .order_by("product_id")
    )
    threshold = Decimal(settings.demand_trend_pct) / 100
    info = product_info()
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
        name, line = info[r["product_id"]]
        out.append(
            {
                "product_code": r["product_id"],
                "product_name": name,
                "product_line": line,
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


class OrderIds(Aggregate):
    """The group's values as one comma-separated text (STRING_AGG / GROUP_CONCAT)."""

    function = "STRING_AGG"
    template = "%(function)s(CAST(%(expressions)s AS TEXT), ',')"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra)


_BITS = bytes.maketrans(b"\x00\x01", b"01")


def basket_bitmasks(orders_by_product: dict[str, list[str]]) -> tuple[dict[str, int], int]:
    """Each product's orders as a bitmask over the basket's orders, and the order count.

    Orders get dense indices; bit ``i`` of a product's mask is set when the product is
    in order ``i``, so the orders two products share are ``(mask_a & mask_b).bit_count()``.
    The loops run in C (``map``, ``bytes.translate``, ``int(…, 2)``)."""
    orders: set[str] = set()
    for ids in orders_by_product.values():
        orders.update(ids)
    index = {order: i for i, order in enumerate(orders)}
    masks = {}
    for product, ids in orders_by_product.items():
        flags = bytearray(len(index))  # one byte per order: 1 when the product is in it
        deque(map(flags.__setitem__, map(index.__getitem__, ids), repeat(1)), maxlen=0)
        masks[product] = int(flags.translate(_BITS) or b"0", 2)
    return masks, len(index)


def cross_sell_pairs(
    settings: SalesSettings, flt: SalesFilter, as_of: date | None = None, *, limit: int = 50
) -> list[dict]:
    """Pairs (A < B by code) co-occurring in ≥ ``crosssell_min_orders`` orders, by lift.

    One query reads each product's orders in the basket window (also its order count);
    pair counts are intersections of per-product bitmasks over those orders, instead of
    a self-join of the order lines on each order (every pair of lines of every order)."""
    start = None
    if flt.year is None and settings.crosssell_window_days and as_of is not None:
        start = as_of - timedelta(days=settings.crosssell_window_days - 1)
    basket_flt = replace(flt, product_line="")
    per_product = (
        revenue_lines(settings, basket_flt, start=start, end=as_of)
        .values("product_id")
        .annotate(ids=OrderIds("order_id"))
        .order_by()
    )
    orders_by_product = {r["product_id"]: r["ids"].split(",") for r in per_product}
    masks, n_orders = basket_bitmasks(orders_by_product)
    # (order, product) is unique: a product's lines in the basket = its orders.
    per_count = {p: len(ids) for p, ids in orders_by_product.items()}
    minimum = settings.crosssell_min_orders
    codes = sorted(p for p, n in per_count.items() if n >= minimum)  # others pair below it
    rows = []
    for i, a in enumerate(codes):
        mask_a, n_a = masks[a], per_count[a]
        for b in codes[i + 1 :]:
            n_ab = (mask_a & masks[b]).bit_count()
            if n_ab >= minimum:
                rows.append(
                    {
                        "product_a": a,
                        "product_b": b,
                        "orders_together": n_ab,
                        "support": n_ab / n_orders if n_orders else None,
                        "confidence": n_ab / n_a if n_a else None,
                        "lift": lift(n_ab, n_a, per_count[b], n_orders),
                    }
                )
    info = product_info() if rows else {}
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
