"""Revenue, orders, customers and AOV by country and by office territory; concentration."""

from django.db.models import Count, Sum, Value
from django.db.models.functions import Coalesce, Trim

from sales.models import SalesSettings
from sales.selectors.base import (
    UNASSIGNED,
    SalesFilter,
    money,
    order_revenue,
    ratio,
)

REGIONAL_HELP = {
    "country": "Customers' country (trimmed). Revenue, orders and active customers of the "
    "filtered period; AOV = revenue ÷ orders.",
    "territory": "Territory of the office of the customer's sales rep (NA, EMEA, APAC, Japan); "
    "customers without a rep are 'Unassigned'.",
    "concentration": "Share of revenue from the top 3 countries; bottom quartile = countries "
    "whose revenue is at or below the 25th percentile of country revenue.",
}


def _rows(qs, key: str) -> list[dict]:
    rows = (
        qs.values(key)
        .annotate(
            revenue=Sum("rev"),
            orders=Count("pk"),
            customers=Count("customer", distinct=True),
        )
        .order_by("-revenue", key)
    )
    total = sum((r["revenue"] or 0) for r in rows)
    return [
        {
            "name": r[key],
            "revenue": money(r["revenue"]),
            "orders": r["orders"],
            "customers": r["customers"],
            "aov": money(r["revenue"] / r["orders"]) if r["orders"] else None,
            "share": ratio(r["revenue"], total),
        }
        for r in rows
    ]


def revenue_by_country(settings: SalesSettings, flt: SalesFilter) -> list[dict]:
    qs = order_revenue(settings, flt).annotate(country_name=Trim("customer__country"))
    return _rows(qs, "country_name")


def revenue_by_territory(settings: SalesSettings, flt: SalesFilter) -> list[dict]:
    qs = order_revenue(settings, flt).annotate(
        territory=Coalesce("customer__sales_rep__office__territory", Value(UNASSIGNED))
    )
    return _rows(qs, "territory")


def concentration(countries: list[dict]) -> dict:
    """Top-3 share and bottom-quartile countries of rows from ``revenue_by_country``."""
    total = sum(r["revenue"] for r in countries)
    ordered = sorted(countries, key=lambda r: r["revenue"], reverse=True)
    top3 = ordered[:3]
    bottom: list[dict] = []
    if ordered:
        values = sorted(r["revenue"] for r in ordered)
        # 25th percentile, nearest-rank method
        index = max(0, -(-len(values) * 25 // 100) - 1)
        cutoff = values[index]
        bottom = [r for r in ordered if r["revenue"] <= cutoff]
    return {
        "top3": [r["name"] for r in top3],
        "top3_share": ratio(sum(r["revenue"] for r in top3), total),
        "bottom_quartile": [r["name"] for r in bottom],
        "bottom_quartile_share": ratio(sum(r["revenue"] for r in bottom), total),
        "countries": len(ordered),
    }
