"""``flatten_invoice``: one Fullbay invoice payload in, line rows and data-quality issues out.

A pure function of the payload: no database, no clock, no settings.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from fleetops.vin import vin_normalise
from invoices.choices import PRIMARY_KEY_MAX_LENGTH, VIN_LENGTH, IssueKind, LineType
from invoices.flatten.coerce import (
    ZERO,
    FlattenError,
    as_dict,
    as_list,
    cents,
    first_present,
    is_blank,
    money,
    to_bool,
    to_date,
    to_datetime,
    to_decimal,
    to_text,
)
from invoices.flatten.labor import labor_items
from invoices.flatten.parts import parts_items
from invoices.flatten.rows import Context, FlattenResult, Issue, Item, LineRow

MISC_CHARGE = "Misc charge"  # the category of the rows that make up miscChargeTotal


def _strict(read, value, **kwargs):
    return read(value, **kwargs)


def _tolerant(read, value, **kwargs):
    """``read(value)``, or None when that one field cannot be read."""
    try:
        return read(value, **kwargs)
    except FlattenError:
        return None


def invoice_context(payload: dict, *, tolerant: bool = False) -> Context:
    """The invoice-level context shared by every row (also used for the raw invoice summary).

    ``tolerant``: every field is read on its own and one that cannot be read is left empty
    instead of raising (the summary of an invoice that failed keeps all the others).
    """
    read = _tolerant if tolerant else _strict
    order = read(as_dict, payload.get("ServiceOrder"), field="ServiceOrder") or {}
    customer = (
        read(as_dict, payload.get("Customer"), field="Customer")
        or read(as_dict, order.get("Customer"), field="ServiceOrder.Customer")
        or {}
    )
    unit = read(as_dict, order.get("Unit"), field="ServiceOrder.Unit") or {}
    tax_info = read(as_dict, payload.get("TaxInformation"), field="TaxInformation") or {}
    tax = first_present(payload.get("taxTotal"), tax_info.get("taxTotal"))
    return Context(
        invoice_primary_key=to_text(payload.get("primaryKey"), max_length=PRIMARY_KEY_MAX_LENGTH),
        invoice_number=to_text(payload.get("invoiceNumber"), max_length=40),
        invoice_date=read(to_date, payload.get("invoiceDate"), field="invoiceDate"),
        due_date=read(to_date, payload.get("dueDate"), field="dueDate"),
        invoice_created=read(to_datetime, payload.get("created"), field="created"),
        invoice_sub_total=read(to_decimal, payload.get("subTotal"), field="subTotal", default=None),
        invoice_tax_total=(
            read(to_decimal, tax, field="taxTotal", default=None)
            if tax is not None
            else read(_tax_lines_total, tax_info)
        ),
        invoice_total=read(to_decimal, payload.get("total"), field="total", default=None),
        customer_id=to_text(customer.get("customerId"), max_length=40),
        customer_title=to_text(
            first_present(payload.get("customerTitle"), customer.get("title")), max_length=200
        ),
        shop_title=to_text(payload.get("shopTitle"), max_length=200),
        service_order_primary_key=to_text(order.get("primaryKey"), max_length=32),
        repair_order_number=to_text(order.get("repairOrderNumber"), max_length=40),
        unit_vin=_storable_vin(typed_vin(unit)),
        unit_make=to_text(unit.get("make"), max_length=60),
        unit_model=to_text(unit.get("model"), max_length=100),
        unit_year=to_text(unit.get("year"), max_length=4),
        unit_number=to_text(unit.get("number"), max_length=60),
    )


def _tax_lines_total(tax_info: dict) -> Decimal | None:
    """The sum of ``TaxLineInformation[].taxTotal`` (None when no line has one): the tax of
    an invoice that sends neither ``taxTotal`` nor ``TaxInformation.taxTotal``."""
    where = "TaxInformation.TaxLineInformation"
    lines = as_list(tax_info.get("TaxLineInformation"), field=where)
    amounts = [
        to_decimal(line.get("taxTotal"), field=f"{where}[{i}].taxTotal", default=None)
        for i, line in enumerate(lines)
    ]
    present = [amount for amount in amounts if amount is not None]
    return sum(present, ZERO) if present else None


def _tax_lines_check(payload: dict) -> list[Issue]:
    """A ``tax_lines_mismatch`` issue when the tax lines do not add up to the tax total
    sent (to the cent); the total stays the invoice's tax."""
    tax_info = as_dict(payload.get("TaxInformation"), field="TaxInformation")
    field = "taxTotal" if not is_blank(payload.get("taxTotal")) else "TaxInformation.taxTotal"
    sent = first_present(payload.get("taxTotal"), tax_info.get("taxTotal"))
    lines = _tax_lines_total(tax_info)
    if sent is None or lines is None:
        return []
    total, lines = cents(to_decimal(sent, field="taxTotal")), cents(lines)
    if total == lines:
        return []
    message = f"{field} is {total} but the tax lines (TaxLineInformation) add up to {lines}."
    return [Issue(IssueKind.TAX_LINES_MISMATCH, message, total - lines)]


def _tax_totals_check(payload: dict) -> list[Issue]:
    """A ``tax_totals_mismatch`` issue when ``taxTotal`` and ``TaxInformation.taxTotal`` are
    both sent and differ (to the cent); ``taxTotal`` stays the invoice's tax. A blank one is
    not sent; an unreadable one fails the invoice, as any other amount does."""
    tax_info = as_dict(payload.get("TaxInformation"), field="TaxInformation")
    invoice_tax = to_decimal(payload.get("taxTotal"), field="taxTotal", default=None)
    info_tax = to_decimal(tax_info.get("taxTotal"), field="TaxInformation.taxTotal", default=None)
    if invoice_tax is None or info_tax is None:
        return []
    invoice_tax, info_tax = cents(invoice_tax), cents(info_tax)
    if invoice_tax == info_tax:
        return []
    message = (
        f"taxTotal is {invoice_tax} but TaxInformation.taxTotal is {info_tax} "
        "(the invoice's tax is taxTotal)."
    )
    return [Issue(IssueKind.TAX_TOTALS_MISMATCH, message, invoice_tax - info_tax)]


def typed_vin(unit: dict) -> str:
    """The unit's VIN by FleetOps' VIN rule (inventory's too): "1fu-jgldr5 klab1234" is
    1FUJGLDR5KLAB1234."""
    return vin_normalise(to_text(unit.get("vin")))


def _storable_vin(vin: str) -> str:
    """``vin``, or "" when it is longer than a VIN: cut to 17 characters, a VIN typed with
    one character too many would read as another vehicle (``reconcile`` flags it)."""
    return vin if len(vin) <= VIN_LENGTH else ""


def _correction_context(ctx: Context, correction: dict) -> Context:
    return ctx.with_(
        correction_primary_key=to_text(correction.get("primaryKey"), max_length=32),
        correction_title=to_text(correction.get("title"), max_length=255),
        correction_component=to_text(correction.get("globalComponent"), max_length=120),
        correction_system=to_text(correction.get("globalSystem"), max_length=120),
        correction_performed=to_text(correction.get("correctionPerformed"), max_length=40),
    )


def _misc_items(payload: dict, order: dict) -> list[Item]:
    """Misc charges, service call, mileage and sublet labor: all MISC rows."""
    items = []
    charges = as_list(
        first_present(order.get("MiscCharges"), payload.get("MiscCharges")), field="MiscCharges"
    )
    for i, charge in enumerate(charges):
        where = f"MiscCharges[{i}]"
        quantity = to_decimal(charge.get("quantity"), field=f"{where}.quantity", default=Decimal(1))
        rate = to_decimal(charge.get("rate"), field=f"{where}.rate", default=None)
        amount = to_decimal(charge.get("amount"), field=f"{where}.amount", default=None)
        if amount is None:
            amount = quantity * (rate or ZERO)
        items.append(
            Item(
                line_type=LineType.MISC,
                description=to_text(charge.get("description"), max_length=255) or "Misc charge",
                category=MISC_CHARGE,
                quantity=quantity,
                unit_price=rate,
                amount=cents(amount),
                taxable=to_bool(charge.get("taxable")),
            )
        )
    misc_total = money(payload.get("miscChargeTotal"), field="miscChargeTotal")
    if not charges and misc_total:
        items.append(_total_item("Misc charges", MISC_CHARGE, misc_total))
    for key, label in (
        ("serviceCallTotal", "Service call"),
        ("mileageTotal", "Mileage"),
        ("subletLaborTotal", "Sublet labor"),
    ):
        amount = money(first_present(payload.get(key), order.get(key)), field=key)
        if amount:
            item = _total_item(label, label, amount)
            if key == "mileageTotal":
                cost = first_present(payload.get("mileageCostTotal"), order.get("mileageCostTotal"))
                item.cost_amount = money(cost, field="mileageCostTotal")
                item.margin = item.amount - item.cost_amount
            items.append(item)
    return items


def _total_item(
    description: str, category: str, amount: Decimal, line_type: str = LineType.MISC
) -> Item:
    return Item(
        line_type=line_type,
        description=description,
        category=category,
        quantity=Decimal(1),
        unit_price=amount,
        amount=amount,
    )


def flatten_invoice(payload: Any) -> FlattenResult:
    """Rebuild an invoice's line items from ``ServiceOrder.Complaints[].Corrections[].Parts[]``.

    Raises ``FlattenError`` when the payload cannot be read at all (not an object, no
    ``primaryKey``, a malformed number or date); rows that merely fail to reconcile with
    the invoice totals come back with ``issues`` instead.
    """
    if not isinstance(payload, dict):
        raise FlattenError(f"an invoice must be an object, got {type(payload).__name__}")
    key = to_text(payload.get("primaryKey"))
    if not key:
        raise FlattenError("primaryKey is missing")
    if len(key) > PRIMARY_KEY_MAX_LENGTH:
        raise FlattenError(
            f"primaryKey {key[:PRIMARY_KEY_MAX_LENGTH]!r}… is {len(key)} characters long, "
            f"longer than {PRIMARY_KEY_MAX_LENGTH} characters (the invoice is kept under its hash)"
        )
    ctx = invoice_context(payload)
    order = as_dict(payload.get("ServiceOrder"), field="ServiceOrder")
    result = FlattenResult(context=ctx)
    pairs: list[tuple[Context, Item]] = []
    for ci, complaint in enumerate(as_list(order.get("Complaints"), field="Complaints")):
        where = f"Complaints[{ci}]"
        cctx = ctx.with_(
            complaint_primary_key=to_text(complaint.get("primaryKey"), max_length=32),
            complaint_note=to_text(complaint.get("note")),
            complaint_cause=to_text(complaint.get("cause")),
            complaint_type=to_text(
                " ".join(
                    filter(
                        None, (to_text(complaint.get("type")), to_text(complaint.get("subType")))
                    )
                ),
                max_length=60,
            ),
        )
        corrections = as_list(complaint.get("Corrections"), field=f"{where}.Corrections")
        technicians = as_list(
            complaint.get("AssignedTechnicians"), field=f"{where}.AssignedTechnicians"
        )
        labor_ctx = _correction_context(cctx, corrections[0]) if len(corrections) == 1 else cctx
        items, issues = labor_items(complaint, corrections, technicians, field=where)
        pairs.extend((labor_ctx, item) for item in items)
        result.issues.extend(issues)
        for ki, correction in enumerate(corrections):
            kctx = _correction_context(cctx, correction)
            parts = as_list(correction.get("Parts"), field=f"{where}.Corrections[{ki}].Parts")
            part_rows = parts_items(parts, field=f"{where}.Corrections[{ki}].Parts")
            result.parts_amount += sum((item.amount for item in part_rows), ZERO)
            pairs.extend((kctx, item) for item in part_rows)
    supplies = money(payload.get("suppliesTotal"), field="suppliesTotal")
    if supplies:
        pairs.append(
            (ctx, _total_item("Shop supplies", "Shop supplies", supplies, LineType.SUPPLY))
        )
    pairs.extend((ctx, item) for item in _misc_items(payload, order))
    result.rows = [LineRow(n, c, item) for n, (c, item) in enumerate(pairs, start=1)]
    result.issues.extend(reconcile(payload, result))
    return result


def _sum(result: FlattenResult, types, category: str | None = None) -> Decimal:
    return sum(
        (
            r.item.amount
            for r in result.rows
            if r.item.line_type in types and (category is None or r.item.category == category)
        ),
        Decimal("0.00"),
    )


def reconcile(payload: dict, result: FlattenResult) -> list[Issue]:
    """Compare the rows with the invoice's own totals; every mismatch is an issue."""
    ctx = result.context
    issues = []

    def check(kind: str, label: str, expected: Decimal | None, actual: Decimal) -> None:
        if expected is None:
            return
        difference = cents(expected) - actual
        if difference:
            issues.append(
                Issue(
                    kind,
                    f"{label} is {cents(expected)} but the rows add up to {actual}.",
                    difference,
                )
            )

    if ctx.invoice_sub_total is None:
        issues.append(Issue(IssueKind.MISSING_SUBTOTAL, "The invoice has no subTotal."))
    check(IssueKind.SUBTOTAL_MISMATCH, "subTotal", ctx.invoice_sub_total, result.amount_total)
    parts_rows = result.parts_amount
    parts_total = to_decimal(payload.get("partsTotal"), field="partsTotal", default=None)
    check(IssueKind.PARTS_TOTAL_MISMATCH, "partsTotal", parts_total, parts_rows)
    labor_total = to_decimal(payload.get("laborTotal"), field="laborTotal", default=None)
    check(
        IssueKind.LABOR_TOTAL_MISMATCH, "laborTotal", labor_total, _sum(result, (LineType.LABOR,))
    )
    misc_total = to_decimal(payload.get("miscChargeTotal"), field="miscChargeTotal", default=None)
    misc_rows = _sum(result, (LineType.MISC,), category=MISC_CHARGE)
    check(IssueKind.MISC_TOTAL_MISMATCH, "miscChargeTotal", misc_total, misc_rows)
    issues.extend(_tax_totals_check(payload))
    issues.extend(_tax_lines_check(payload))
    if ctx.invoice_total is not None and ctx.invoice_sub_total is not None:
        total, sub_total = cents(ctx.invoice_total), cents(ctx.invoice_sub_total)
        tax = cents(ctx.invoice_tax_total or ZERO)
        difference = total - sub_total - tax
        if difference:
            issues.append(
                Issue(
                    IssueKind.TOTAL_MISMATCH,
                    f"total {total} is not subTotal {sub_total} + tax {tax}.",
                    difference,
                )
            )
    if not ctx.unit_vin:
        order = as_dict(payload.get("ServiceOrder"), field="ServiceOrder")
        typed = typed_vin(as_dict(order.get("Unit"), field="ServiceOrder.Unit"))
        if typed:
            issues.append(
                Issue(
                    IssueKind.VIN_TOO_LONG,
                    f"The unit's VIN {typed[:40]!r} has {len(typed)} characters, not "
                    f"{VIN_LENGTH}: it is not stored, as cut it would name another vehicle.",
                )
            )
        else:
            issues.append(Issue(IssueKind.MISSING_VIN, "The unit has no VIN."))
    return issues
