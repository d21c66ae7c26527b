"""Product demand trend and cross-sell pairs (support, confidence, lift)."""

from collections import Counter, deque
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import repeat

from django.db.models import Aggregate, Count, Q, Sum, TextField

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


@dataclass(frozen=True)
class ProductWindows:
    """What one scan of the order lines gives the Opportunities product figures."""

    demand: dict[str, tuple[int, int]]  # code -> (units recent, units before); demand window
    baskets: dict[str, list[str]]  # code -> its orders (ids as text) in the cross-sell basket
    info: dict[str, tuple[str, str]]  # code -> (name, product line), from ``product_info``


def _demand_window(settings: SalesSettings, flt: SalesFilter, as_of: date | None):
    """(first day, last day of the earlier half, last day) of the demand-trend window."""
    end = effective_as_of(settings, flt, as_of)
    if end is None:
        return None
    window = timedelta(days=settings.demand_window_days)
    return end - 2 * window + timedelta(days=1), end - window, end


def _basket_window(settings: SalesSettings, flt: SalesFilter, as_of: date | None):
    """(condition on order lines, first day) of the cross-sell basket: the orders of the
    selected year, else of the last N days (0 = all history), up to the as-of date."""
    if flt.year:
        return Q(order__order_date__year=flt.year), date(flt.year, 1, 1)
    if settings.crosssell_window_days and as_of is not None:
        start = as_of - timedelta(days=settings.crosssell_window_days - 1)
        return Q(order__order_date__gte=start), start
    return None, None


def product_windows(
    settings: SalesSettings, flt: SalesFilter, as_of: date | None
) -> ProductWindows:
    """One query over the order lines of both windows, grouped by product code.

    Demand units (with the page's product-line filter) and basket orders (all product
    lines: a pair needs only one product of the line) come from the same lines, each
    aggregate restricted to its own window, so the page reads the lines once."""
    demand_window = _demand_window(settings, flt, as_of)
    if demand_window is None:
        return ProductWindows({}, {}, {})
    first, mid, last = demand_window
    basket_q, basket_start = _basket_window(settings, flt, as_of)
    start = min(first, basket_start) if basket_start is not None else None
    if basket_q is None:
        start = None
    in_demand = Q(order__order_date__gte=first, order__order_date__lte=last)
    recent = Q(order__order_date__gt=mid)
    rows = (
        revenue_lines(
            settings,
            replace(flt, year=None, product_line=""),
            start=start,
            end=as_of,
            use_year=False,
        )
        .values("product_id")
        .annotate(
            demand_lines=Count("pk", filter=in_demand),
            current=Sum("quantity_ordered", filter=in_demand & recent),
            prior=Sum("quantity_ordered", filter=in_demand & ~recent),
            ids=OrderIds("order_id", filter=basket_q),
        )
        .order_by()
    )
    info = product_info()
    demand, baskets = {}, {}
    for r in rows:
        code = r["product_id"]
        if r["demand_lines"] and (not flt.product_line or info[code][1] == flt.product_line):
            demand[code] = (r["current"] or 0, r["prior"] or 0)
        if r["ids"]:
            baskets[code] = r["ids"].split(",")
    return ProductWindows(demand, baskets, info)


def demand_trend(
    settings: SalesSettings,
    flt: SalesFilter,
    as_of: date | None,
    windows: ProductWindows | None = None,
) -> list[dict]:
    windows = windows or product_windows(settings, flt, as_of)
    threshold = Decimal(settings.demand_trend_pct) / 100
    out = []
    for code in sorted(windows.demand):
        current, prior = windows.demand[code]
        pct = (Decimal(current - prior) / prior) if prior else None
        if pct is None:
            trend = "growing" if current else "stable"
        elif pct >= threshold:
            trend = "growing"
        elif pct <= -threshold:
            trend = "declining"
        else:
            trend = "stable"
        name, line = windows.info[code]
        out.append(
            {
                "product_code": code,
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
    settings: SalesSettings,
    flt: SalesFilter,
    as_of: date | None = None,
    *,
    limit: int | None = None,
    windows: ProductWindows | None = None,
) -> list[dict]:
    """Pairs (A < B by code) co-occurring in ≥ ``crosssell_min_orders`` orders, by lift
    (all of them unless ``limit``: the page shows the first rows, its CSV has them all).

    Each product's orders in the basket come from ``product_windows`` (one query);
    pair counts are intersections of per-product bitmasks over those orders, instead of
    a self-join of the order lines on each order (every pair of lines of every order)."""
    windows = windows or product_windows(settings, flt, as_of)
    orders_by_product = windows.baskets
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
    info = windows.info
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
    # a pair is shown by its names: a name several products share gets the code too
    names = Counter(name for name, _ in info.values())

    def shown(code: str) -> str:
        name = info[code][0]
        return f"{name} ({code})" if names[name] > 1 else name

    for r in rows:
        r["name_a"], r["name_b"] = shown(r["product_a"]), shown(r["product_b"])
    return rows
