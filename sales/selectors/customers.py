"""Per-customer activity, RFM segmentation, next-order prediction, overdue and churn risk."""

from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Min, Sum

from sales.models import SalesSettings
from sales.selectors.base import (
    SalesFilter,
    add_days,
    days_between,
    effective_as_of,
    money,
    order_revenue,
)

OPPORTUNITY_HELP = {
    "rfm": "Recency (days since the last order), frequency (orders) and monetary value "
    "(revenue), each scored 1-5 by quintile among customers with orders (5 = most recent, "
    "most frequent, highest revenue; ties share a score); total 3-15. Tiers: Top ≥ {top}, "
    "High ≥ {high}, Mid ≥ {mid}, else Low.",
    "next_order": "Predicted next order = last order + the customer's mean interval between "
    "orders (needs 2+ orders). Overdue when days since the last order exceed {overdue} days.",
    "churn": "Churn risk when days since the last order exceed {churn} days; revenue at risk = "
    "those customers' historical revenue.",
}
TIERS = ("Top", "High", "Mid", "Low")


def customer_activity(settings: SalesSettings, flt: SalesFilter, as_of: date | None) -> list[dict]:
    """One row per customer with counted orders up to the (effective) as-of date."""
    end = effective_as_of(settings, flt, as_of)
    rows = (
        order_revenue(settings, flt, end=end, use_year=False)
        .values("customer_id", "customer__customer_name")
        .annotate(
            first=Min("order_date"),
            last=Max("order_date"),
            orders=Count("pk"),
            revenue=Sum("rev"),
        )
        .order_by("customer_id")
    )
    return [
        {
            "customer_number": r["customer_id"],
            "customer_name": r["customer__customer_name"],
            "first_order": r["first"],
            "last_order": r["last"],
            "orders": r["orders"],
            "revenue": money(r["revenue"]),
            "recency_days": days_between(end, r["last"]),
        }
        for r in rows
    ]


def quintile_scores(values: list, *, higher_is_better: bool = True) -> list[int]:
    """Score each value 1-5 by quintile of its rank; equal values get the same score.

    score = 1 + floor(5 × (number of values strictly worse) / n), capped at 5.
    """
    n = len(values)
    if n == 0:
        return []
    ordered = sorted(values, reverse=not higher_is_better)
    first_index: dict = {}
    for i, v in enumerate(ordered):
        first_index.setdefault(v, i)
    return [min(5, 1 + (5 * first_index[v]) // n) for v in values]


def rfm_tier(total: int, settings: SalesSettings) -> str:
    if total >= settings.rfm_top_min:
        return "Top"
    if total >= settings.rfm_high_min:
        return "High"
    if total >= settings.rfm_mid_min:
        return "Mid"
    return "Low"


def rfm_segments(settings: SalesSettings, activity: list[dict]) -> list[dict]:
    """``activity`` rows with r, f, m scores, their total and a tier."""
    r = quintile_scores([row["recency_days"] for row in activity], higher_is_better=False)
    f = quintile_scores([row["orders"] for row in activity])
    m = quintile_scores([row["revenue"] for row in activity])
    out = []
    for row, rs, fs, ms in zip(activity, r, f, m, strict=True):
        total = rs + fs + ms
        out.append(
            {**row, "r": rs, "f": fs, "m": ms, "rfm": total, "tier": rfm_tier(total, settings)}
        )
    return out


def tier_summary(segments: list[dict]) -> list[dict]:
    summary = {t: {"tier": t, "customers": 0, "revenue": Decimal("0")} for t in TIERS}
    for row in segments:
        summary[row["tier"]]["customers"] += 1
        summary[row["tier"]]["revenue"] += row["revenue"]
    return list(summary.values())


def next_orders(settings: SalesSettings, activity: list[dict]) -> list[dict]:
    """Predicted next order and overdue flag, most overdue first."""
    out = []
    for row in activity:
        interval = None
        if row["orders"] >= 2:
            interval = (row["last_order"] - row["first_order"]).days / (row["orders"] - 1)
        predicted = add_days(row["last_order"], interval)
        out.append(
            {
                **row,
                "mean_interval_days": round(interval, 1) if interval is not None else None,
                "predicted_next": predicted,
                "overdue": (row["recency_days"] or 0) > settings.overdue_days,
            }
        )
    out.sort(key=lambda x: (-(x["recency_days"] or 0), x["customer_number"]))
    return out


def churn_risk(settings: SalesSettings, activity: list[dict]) -> dict:
    at_risk = [r for r in activity if (r["recency_days"] or 0) > settings.churn_days]
    at_risk.sort(key=lambda x: (-x["revenue"], x["customer_number"]))
    return {
        "customers": at_risk,
        "revenue_at_risk": sum((r["revenue"] for r in at_risk), Decimal("0.00")),
    }
