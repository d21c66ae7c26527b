"""Labor of one complaint: one row per assigned technician, split by portion.

Fullbay has no labor line object: a complaint carries ``laborTotal`` and
``laborHoursTotal`` and the technicians who shared the work, each with a
``portion`` (percent) and their own clocked ``actualHours``. Billed amount and
hours are split by portion, exact to the cent (and to 0.0001 h): the last
technician with a share takes the rounding remainder so the rows add up to the
complaint. No technician sends a portion: equal shares. Some do: a technician
without one gets no share (flagged, as portions not adding up to 100 are).
"""

from __future__ import annotations

from decimal import Decimal

from fleetops.money import CENT
from invoices.choices import UNASSIGNED, IssueKind, LineType
from invoices.flatten.coerce import (
    HOUR_QUANTUM,
    ZERO,
    cents,
    hours,
    split_exact,
    to_bool,
    to_decimal,
    to_text,
)
from invoices.flatten.rows import Issue, Item


def complaint_labor(
    complaint: dict, corrections: list[dict], *, field: str
) -> tuple[Decimal, Decimal]:
    """(labor amount, billed hours) of a complaint; the corrections' sums when it has none."""
    total = to_decimal(complaint.get("laborTotal"), field=f"{field}.laborTotal", default=None)
    billed = to_decimal(
        complaint.get("laborHoursTotal"), field=f"{field}.laborHoursTotal", default=None
    )
    if total is None:
        total = sum(
            (
                to_decimal(c.get("laborTotal"), field=f"{field}.Corrections.laborTotal")
                for c in corrections
            ),
            ZERO,
        )
    if billed is None:
        billed = sum(
            (
                to_decimal(c.get("laborHoursTotal"), field=f"{field}.Corrections.laborHoursTotal")
                for c in corrections
            ),
            ZERO,
        )
    return cents(total), billed  # half up, as the invoice's own totals are read


def labor_items(
    complaint: dict, corrections: list[dict], technicians: list[dict], *, field: str
) -> tuple[list[Item], list[Issue]]:
    total, billed = complaint_labor(complaint, corrections, field=field)
    note = to_text(complaint.get("note"))
    description = f"Labor: {note}" if note else "Labor"
    taxable = to_bool(complaint.get("laborTaxable"))
    rate = cents(total / billed) if billed else None  # half a cent up, as all money
    issues: list[Issue] = []
    if not technicians:
        clocked = to_decimal(complaint.get("actualHoursTotal"), field=f"{field}.actualHoursTotal")
        if not total and not billed and not clocked:
            return [], issues
        return [
            Item(
                line_type=LineType.LABOR,
                description=description,
                quantity=hours(billed),
                unit_price=rate,
                amount=total,
                taxable=taxable,
                technician=UNASSIGNED,
                hours=hours(billed),
                actual_hours=hours(clocked),
            )
        ], issues
    portions = [
        to_decimal(
            t.get("portion"), field=f"{field}.AssignedTechnicians[{i}].portion", default=None
        )
        for i, t in enumerate(technicians)
    ]
    if all(p is None for p in portions):
        weights = [Decimal(1)] * len(technicians)  # no portions at all: equal shares
    else:
        # A technician without a portion beside ones with a portion gets no share: the
        # portions sent are the shop's split, and a share for the others is not guessed.
        weights = [p if p is not None and p > 0 else ZERO for p in portions]
        portion_sum = sum(weights, ZERO)
        complaint_key = to_text(complaint.get("primaryKey"))
        issues.extend(
            _portion_missing(complaint_key, i, tech, portion_sum)
            for i, (tech, portion) in enumerate(zip(technicians, portions, strict=True))
            if portion is None
        )
        # to the hundredth of a percent: three JSON floats of 100/3 add up to 100.000000000000008
        if portion_sum.quantize(CENT) != 100:
            issues.append(
                Issue(
                    IssueKind.TECHNICIAN_PORTIONS,
                    f"Complaint {complaint_key}: technician portions add up "
                    f"to {portion_sum}, not 100; labor split in proportion.",
                )
            )
    amounts = split_exact(total, weights, CENT)
    billed_shares = split_exact(hours(billed), weights, HOUR_QUANTUM)
    items = []
    for i, (tech, amount, billed_share) in enumerate(
        zip(technicians, amounts, billed_shares, strict=True)
    ):
        clocked = to_decimal(
            tech.get("actualHours"), field=f"{field}.AssignedTechnicians[{i}].actualHours"
        )
        items.append(
            Item(
                line_type=LineType.LABOR,
                description=description,
                quantity=billed_share,
                unit_price=rate,
                amount=amount,
                taxable=taxable,
                technician=to_text(tech.get("technician"), max_length=120) or UNASSIGNED,
                technician_number=to_text(tech.get("technicianNumber"), max_length=40),
                hours=billed_share,
                actual_hours=hours(clocked),
            )
        )
    return items, issues


def _portion_missing(complaint_key: str, i: int, tech: dict, portion_sum: Decimal) -> Issue:
    name = to_text(tech.get("technician"), max_length=120) or f"AssignedTechnicians[{i}]"
    return Issue(
        IssueKind.TECHNICIAN_PORTION_MISSING,
        f"Complaint {complaint_key}: technician {name} has no portion while the others' "
        f"add up to {portion_sum}; {name} gets no share of the labor.",
    )
