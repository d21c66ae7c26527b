"""The flattened shapes: one ``LineRow`` per line item, with the invoice context on every row."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from decimal import Decimal
from operator import attrgetter

from invoices.choices import LineType


@dataclass(slots=True)
class Context:
    """Where a line comes from: invoice, customer, shop, order, unit, complaint, correction."""

    invoice_primary_key: str = ""
    invoice_number: str = ""
    invoice_date: dt.date | None = None
    due_date: dt.date | None = None
    invoice_created: dt.datetime | None = None
    invoice_sub_total: Decimal | None = None
    invoice_tax_total: Decimal | None = None
    invoice_total: Decimal | None = None
    customer_id: str = ""
    customer_title: str = ""
    shop_title: str = ""
    service_order_primary_key: str = ""
    repair_order_number: str = ""
    unit_vin: str = ""
    unit_make: str = ""
    unit_model: str = ""
    unit_year: str = ""
    unit_number: str = ""
    complaint_primary_key: str = ""
    complaint_note: str = ""
    complaint_cause: str = ""
    complaint_type: str = ""
    correction_primary_key: str = ""
    correction_title: str = ""
    correction_component: str = ""
    correction_system: str = ""
    correction_performed: str = ""

    def with_(self, **changes) -> Context:
        """A copy with ``changes`` (much cheaper than ``dataclasses.replace``)."""
        values = list(_context_values(self))
        for name, value in changes.items():
            values[_CONTEXT_INDEX[name]] = value
        return Context(*values)


CONTEXT_FIELDS = tuple(f.name for f in fields(Context))
_context_values = attrgetter(*CONTEXT_FIELDS)
_CONTEXT_INDEX = {name: i for i, name in enumerate(CONTEXT_FIELDS)}


@dataclass(slots=True)
class Item:
    """The line item itself."""

    line_type: str = LineType.PART
    shop_part_number: str = ""
    vendor_part_number: str = ""
    part_number: str = ""
    description: str = ""
    category: str = ""
    quantity: Decimal = Decimal("0")
    unit_cost: Decimal | None = None
    unit_price: Decimal | None = None
    amount: Decimal = Decimal("0.00")
    cost_amount: Decimal | None = None
    margin: Decimal | None = None
    taxable: bool | None = None
    technician: str = ""
    technician_number: str = ""
    hours: Decimal | None = None
    actual_hours: Decimal | None = None


ITEM_FIELDS = tuple(f.name for f in fields(Item))


@dataclass(slots=True)
class LineRow:
    line_number: int
    context: Context
    item: Item

    def as_fields(self) -> dict:
        """Flat mapping of model field names to values (for ``LineItem(**row.as_fields())``)."""
        data = {"line_number": self.line_number}
        ctx, item = self.context, self.item
        for name in CONTEXT_FIELDS:
            data[name] = getattr(ctx, name)
        for name in ITEM_FIELDS:
            data[name] = getattr(item, name)
        return data


@dataclass(slots=True)
class Issue:
    """A data-quality finding: the invoice is still kept and its lines still written."""

    kind: str
    message: str
    difference: Decimal | None = None


@dataclass(slots=True)
class FlattenResult:
    context: Context
    rows: list[LineRow] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    parts_amount: Decimal = Decimal("0.00")  # rows rebuilt from Parts[] (for partsTotal)

    @property
    def amount_total(self) -> Decimal:
        return sum((r.item.amount for r in self.rows), Decimal("0.00"))
