"""Figures of the shipped classicmodels CSVs worked out straight from the files, without
FleetOps code, for tests to hold the pages, the API and the selectors against."""

import csv
from decimal import Decimal
from functools import cache

from tests.sales.conftest import DEMO_DIR


@cache
def rows(name: str) -> tuple[dict, ...]:
    """The records of ``name``.csv as the file has them (text kept exactly)."""
    with open(DEMO_DIR / f"{name}.csv", newline="", encoding="utf-8") as handle:
        return tuple(csv.DictReader(handle))


def latest_order_date() -> str:
    """The latest orderDate of orders.csv (ISO text): the default as-of date."""
    return max(o["orderDate"] for o in rows("orders") if o["orderDate"])


def counted_orders(start: str = "0000-01-01", end: str = "9999-12-31") -> dict[str, dict]:
    """Orders placed from ``start`` to ``end`` (ISO dates, both included), Cancelled left out."""
    return {
        o["orderNumber"]: o
        for o in rows("orders")
        if o["orderDate"] and start <= o["orderDate"] <= end and o["status"] != "Cancelled"
    }


def revenue(orders: dict, product_line: str | None = None) -> Decimal:
    """Quantity × price of the lines of ``orders`` (of one product line when given)."""
    line_of = {p["productCode"]: p["productLine"] for p in rows("products")}
    return sum(
        (
            int(line["quantityOrdered"]) * Decimal(line["priceEach"])
            for line in rows("orderdetails")
            if line["orderNumber"] in orders
            and product_line in (None, line_of[line["productCode"]])
        ),
        Decimal("0"),
    )


def with_lines(orders: dict) -> set[str]:
    """The numbers of ``orders`` that have at least one line."""
    return {line["orderNumber"] for line in rows("orderdetails") if line["orderNumber"] in orders}
