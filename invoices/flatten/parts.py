"""Parts of one correction: classified (PART, FREIGHT, SUPPLY) and grouped into rows.

Identical parts within one correction (same shop part number, else vendor part
number, else description) become one row whose quantity is the sum of
``quantity - returnedQuantity``. Each part line's amount is its net quantity
times its selling price, rounded to the cent, and a group's amount is the sum
of its lines' amounts, so rows add up exactly to what the shop billed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from invoices.choices import LineType
from invoices.flatten.coerce import ZERO, cents, to_bool, to_decimal, to_text
from invoices.flatten.rows import Item

FREIGHT_PATTERN = re.compile(r"\b(freight|shipping|ship(ped)?\s+charge|delivery\s+charge)\b", re.I)
SUPPLY_CATEGORIES = {
    "shop supplies",
    "shop supply",
    "supplies",
    "supply",
    "consumables",
    "shop consumables",
    "misc supplies",
}


def part_line_type(
    *, part_number: str, vendor_part_number: str, description: str, category: str
) -> str:
    """FREIGHT when any label says freight/shipping; SUPPLY for supply categories; else PART."""
    for text in (part_number, vendor_part_number, description, category):
        if text and FREIGHT_PATTERN.search(text):
            return LineType.FREIGHT
    normal = " ".join(category.lower().split())
    if normal in SUPPLY_CATEGORIES or normal.endswith(" supplies"):
        return LineType.SUPPLY
    return LineType.PART


@dataclass(slots=True)
class _Group:
    item: Item
    quantity: Decimal
    amount: Decimal
    cost_amount: Decimal
    prices: set
    costs: set


def part_group_key(shop_part_number: str, vendor_part_number: str, description: str) -> tuple:
    if shop_part_number:
        return ("shop", shop_part_number.upper())
    if vendor_part_number:
        return ("vendor", vendor_part_number.upper())
    return ("description", " ".join(description.upper().split()))


def parts_items(parts: list[dict], *, field: str) -> list[Item]:
    """One Item per group of identical parts, in first-seen order."""
    groups: dict[tuple, _Group] = {}
    for i, part in enumerate(parts):
        where = f"{field}[{i}]"
        shop_pn = to_text(part.get("shopPartNumber"), max_length=80)
        vendor_pn = to_text(part.get("vendorPartNumber"), max_length=80)
        description = to_text(part.get("description"))
        category = to_text(part.get("partCategory"), max_length=120)
        line_type = part_line_type(
            part_number=shop_pn,
            vendor_part_number=vendor_pn,
            description=description,
            category=category,
        )
        quantity = to_decimal(part.get("quantity"), field=f"{where}.quantity")
        returned = to_decimal(part.get("returnedQuantity"), field=f"{where}.returnedQuantity")
        net = quantity - returned
        price = to_decimal(part.get("sellingPrice"), field=f"{where}.sellingPrice")
        cost = to_decimal(part.get("cost"), field=f"{where}.cost")
        key = (line_type, *part_group_key(shop_pn, vendor_pn, description))
        group = groups.get(key)
        if group is None:
            item = Item(
                line_type=line_type,
                shop_part_number=shop_pn,
                vendor_part_number=vendor_pn,
                part_number=shop_pn or vendor_pn,
                description=description,
                category=category,
                taxable=to_bool(part.get("taxable")),
            )
            group = groups[key] = _Group(item, ZERO, ZERO, ZERO, set(), set())
        group.quantity += net
        group.amount += cents(net * price)
        group.cost_amount += cents(net * cost)
        group.prices.add(price)
        group.costs.add(cost)
    return [_finish(group) for group in groups.values()]


def _unit(values: set, total: Decimal, quantity: Decimal) -> Decimal | None:
    """The unit value: the one price when all lines agree, else the weighted average."""
    if len(values) == 1:
        return next(iter(values))
    if quantity:
        return (total / quantity).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return None


def _finish(group: _Group) -> Item:
    item = group.item
    item.quantity = group.quantity
    item.amount = cents(group.amount)
    item.cost_amount = cents(group.cost_amount)
    item.margin = item.amount - item.cost_amount
    item.unit_price = _unit(group.prices, item.amount, group.quantity)
    item.unit_cost = _unit(group.costs, item.cost_amount, group.quantity)
    return item
