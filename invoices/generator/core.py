"""Realistic Fullbay ``getInvoices`` payloads for demo data, the fake server and benchmarks.

Deterministic from a seed: ``FullbayGenerator(seed).invoice(n)`` is always the same
invoice. Shops, customers with fleets of units (valid 17-character VINs with a correct
check digit), technicians, complaints, corrections, parts with repeats and returns,
freight, supplies, labor shared by technicians with portions, misc charges, service
calls, mileage and sublet; numbers come out loosely typed as Fullbay sends them. Every
generated invoice reconciles exactly (rows add up to ``subTotal``) unless asked to be
broken or mismatched.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from invoices.generator.catalog import (
    COMPLAINTS,
    CUSTOMER_KINDS,
    CUSTOMER_WORDS,
    FIRST,
    FREIGHT_PARTS,
    LAST,
    MAKES,
    PARTS,
    PORTIONS,
    SUPPLY_PARTS,
    UNIT_TYPES,
)
from invoices.generator.vin import make_vin

CENT = Decimal("0.01")


def cents(value: Decimal) -> Decimal:
    # its own rounding, not fleetops.money's: the totals it writes are what the flattening
    # is checked against, so they are computed apart from the code under test
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Unit:
    unit_id: int
    number: str
    vin: str
    make: str
    model: str
    year: int
    type: str
    sub_type: str


@dataclass
class Customer:
    customer_id: int
    title: str
    units: list[Unit]


class FullbayGenerator:
    """Deterministic pools (shops, customers and fleets, technicians) and invoices from them."""

    def __init__(
        self,
        seed: int = 0,
        *,
        customers: int = 40,
        shops: int = 4,
        technicians: int = 14,
        broken_rate: float = 0.0,
        mismatch_rate: float = 0.0,
    ):
        self.seed = seed
        self.broken_rate = broken_rate
        self.mismatch_rate = mismatch_rate
        rng = random.Random(seed)
        self.shops = [f"Example Truck Repair - Shop {i + 1}" for i in range(shops)]
        self.technicians = sorted(
            {f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(technicians * 3)}
        )[:technicians]
        self.customers = []
        for c in range(customers):
            title = f"{rng.choice(CUSTOMER_WORDS)} {rng.choice(CUSTOMER_KINDS)}"
            if any(existing.title == title for existing in self.customers):
                title = f"{title} #{c + 1}"
            units = []
            for u in range(rng.randint(1, 8)):
                wmi, make, models = rng.choice(MAKES)
                year = rng.randint(2010, 2025)
                kind, sub = rng.choice(UNIT_TYPES)
                units.append(
                    Unit(
                        3_000_000 + c * 100 + u,
                        f"{title.split()[0][:4]}-{u + 101}",
                        make_vin(rng, wmi, year),
                        make,
                        rng.choice(models),
                        year,
                        kind,
                        sub,
                    )
                )
            self.customers.append(Customer(3_300_000 + c, title, units))

    # -- loose typing ---------------------------------------------------------------------
    @staticmethod
    def _loose(rng: random.Random, value: Decimal):
        """A number as Fullbay might send it: float, numeric string, or int when whole."""
        roll = rng.random()
        if roll < 0.4:
            return float(value)
        if roll < 0.8:
            return str(value)
        return int(value) if value == value.to_integral_value() else str(value)

    @staticmethod
    def _empty(rng: random.Random):
        return rng.choice(["", None])

    # -- invoices -------------------------------------------------------------------------
    def invoice(self, n: int, *, date: dt.date | None = None) -> dict:
        """Invoice number ``n`` (the same every time for a given seed)."""
        rng = random.Random(self.seed * 1_000_003 + n)
        date = date or dt.date(2025, 1, 1) + dt.timedelta(days=n % 365)
        customer = rng.choice(self.customers)
        unit = rng.choice(customer.units)
        L = lambda v: self._loose(rng, v)  # noqa: E731
        complaints, labor_total, labor_hours, parts_total, parts_cost = (
            [],
            Decimal(0),
            Decimal(0),
            Decimal(0),
            Decimal(0),
        )
        for c in range(rng.choices([1, 2, 3, 4], [5, 4, 2, 1])[0]):
            note, component, system = rng.choice(COMPLAINTS)
            rate = Decimal(rng.choice([125, 135, 150, 165]))
            hours = Decimal(rng.randint(0, 16)) / 4
            amount = cents(rate * hours)
            labor_total += amount
            labor_hours += hours
            portions = rng.choice(PORTIONS) if rng.random() > 0.08 else []
            techs = rng.sample(self.technicians, len(portions))
            assigned = [
                {
                    "primaryKey": str(rng.randint(10**7, 10**8)),
                    "technician": t,
                    "technicianNumber": "",
                    "portion": p if rng.random() < 0.5 else str(p),
                    "quickBooksLaborItem": None,
                    "actualHours": float(
                        cents(hours * Decimal(str(rng.uniform(0.7, 1.5)))) * Decimal(p) / 100
                    ),
                }
                for t, p in zip(techs, portions, strict=True)
            ]
            corrections = []
            for k in range(rng.choices([1, 2], [4, 1])[0]):
                parts = self._parts(rng)
                for part in parts:
                    net = Decimal(str(part["quantity"])) - Decimal(
                        str(part["returnedQuantity"] or 0)
                    )
                    parts_total += cents(net * Decimal(str(part["sellingPrice"])))
                    parts_cost += cents(net * Decimal(str(part["cost"])))
                corrections.append(
                    {
                        "primaryKey": str(43_000_000 + n * 10 + c * 3 + k),
                        "globalComponent": component,
                        "globalSystem": system,
                        "globalService": None,
                        "unitService": None,
                        "laborRate": "Standard",
                        "title": note.title() if rng.random() < 0.7 else "",
                        "recommendedCorrection": f"REPAIR {component}",
                        "actualCorrection": f"REPAIRED {component}",
                        "correctionPerformed": rng.choice(
                            ["Performed", "Performed", "Not Performed"]
                        ),
                        "laborHoursTotal": L(hours) if k == 0 else 0,
                        "laborTotal": L(amount) if k == 0 else 0,
                        "taxable": rng.choice(["Yes", "No"]),
                        "Parts": parts,
                    }
                )
            pk = 48_000_000 + n * 10 + c
            complaints.append(
                {
                    "primaryKey": pk if rng.random() < 0.5 else str(pk),
                    "type": "Complaint",
                    "subType": rng.choice(["", "", "PM"]),
                    "authorized": "Yes",
                    "severity": " - ",
                    "note": note,
                    "cause": rng.choice(["Worn", "Customer request", ".", ""]),
                    "laborRate": "Standard",
                    "laborHoursTotal": L(hours),
                    "actualHoursTotal": sum(a["actualHours"] for a in assigned),
                    "laborTaxable": self._empty(rng),
                    "laborTotal": L(amount),
                    "sublet": "No",
                    "AssignedTechnicians": assigned,
                    "Corrections": corrections,
                }
            )
        supplies = (
            cents(labor_total * Decimal("0.05")).min(Decimal("50.00"))
            if rng.random() < 0.6
            else Decimal(0)
        )
        misc, misc_total = [], Decimal(0)
        if rng.random() < 0.3:
            charge = cents((labor_total + parts_total) * Decimal("0.03"))
            misc.append(
                {
                    "primaryKey": str(rng.randint(10**6, 10**7)),
                    "description": "3% CREDIT CARD SURCHARGE",
                    "quantity": 1,
                    "rate": L(charge),
                    "amount": str(charge),
                    "taxable": "No",
                    "quickBooksItem": "DISCOUNT",
                    "quickBooksItemType": "misc",
                }
            )
            misc_total += charge
        if rng.random() < 0.15:
            qty, rate = Decimal(rng.randint(1, 3)), Decimal("12.50")
            misc.append(
                {
                    "primaryKey": str(rng.randint(10**6, 10**7)),
                    "description": "ENVIRONMENTAL FEE",
                    "quantity": str(qty),
                    "rate": L(rate),
                    "amount": self._empty(rng),
                    "taxable": "Yes",
                }
            )
            misc_total += cents(qty * rate)
        service_call = Decimal(rng.choice([95, 125])) if rng.random() < 0.1 else Decimal(0)
        mileage = (
            cents(Decimal(rng.randint(5, 80)) * Decimal("2.50")) if service_call else Decimal(0)
        )
        sublet = Decimal(rng.choice([150, 275, 480])) if rng.random() < 0.05 else None
        sub_total = (
            labor_total
            + parts_total
            + supplies
            + misc_total
            + service_call
            + mileage
            + (sublet or 0)
        )
        tax_rate = Decimal(rng.choice([0, 6, 7]))
        tax = cents((parts_total + supplies) * tax_rate / 100)
        broken_roll = rng.random()
        mismatch = rng.random() < self.mismatch_rate
        invoice = {
            "primaryKey": str(17_000_000 + n),
            "exported": "1",
            "invoiceDate": date.isoformat(),
            "dueDate": (date + dt.timedelta(days=15)).isoformat(),
            "invoiceNumber": str(10_000 + n),
            "customerTitle": customer.title,
            "customerBillingEmployee": "ACCOUNTS PAYABLE",
            "customerBillingEmail": "ap@customer.example",
            "customerBillingAddress": "1 Example Road, Springfield, MI 48000, US",
            "Customer": {
                "customerId": customer.customer_id,
                "title": customer.title,
                "externalId": None,
                "mainPhone": "(555) 010-0100",
                "secondaryPhone": "",
            },
            "shopTitle": rng.choice(self.shops),
            "shopEmail": "shop@truckrepair.example",
            "shopPhysicalAddress": "1 Shop Street",
            "miscChargeTotal": L(misc_total),
            "serviceCallTotal": L(service_call),
            "mileageTotal": L(mileage),
            "mileageCostTotal": L(cents(mileage * Decimal("0.4"))),
            "partsTotal": L(parts_total),
            "laborHoursTotal": L(labor_hours),
            "laborTotal": L(labor_total),
            "subletLaborTotal": None if sublet is None else L(sublet),
            "suppliesTotal": L(supplies),
            "subTotal": L(sub_total + (Decimal("10.00") if mismatch else 0)),
            "TaxInformation": {
                "taxTitle": "Sales tax",
                "taxRate": str(tax_rate),
                "taxTotal": L(tax),
                "TaxLineInformation": [],
            },
            "taxTitle": "Sales tax",
            "taxRate": str(tax_rate),
            "taxTotal": L(tax),
            "total": L(sub_total + tax + (Decimal("10.00") if mismatch else 0)),
            "balance": 0,
            "quickBooksId": str(rng.randint(10**5, 10**6)),
            "promiseToPayDate": "",
            "createdByTechnician": rng.choice(self.technicians),
            "created": f"{date.isoformat()} {rng.randint(7, 17):02d}:{rng.randint(0, 59):02d}:00",
            "ServiceOrder": {
                "primaryKey": str(19_000_000 + n),
                "repairOrderNumber": str(16_000 + n),
                "technician": rng.choice(self.technicians),
                "technicianNumber": "",
                "partsManager": "",
                "Customer": {"customerId": customer.customer_id, "title": customer.title},
                "Unit": {
                    "customerUnitId": str(unit.unit_id),
                    "number": unit.number,
                    "nickname": "",
                    "type": unit.type,
                    "subType": unit.sub_type,
                    "year": str(unit.year),
                    "make": unit.make,
                    "model": unit.model,
                    "vin": unit.vin if not (mismatch and rng.random() < 0.3) else "",
                    "licensePlate": "",
                },
                "hot": rng.choice(["Yes", "No", "No"]),
                "preAuthorized": rng.choice(["Yes", "No"]),
                "laborHoursTotal": L(labor_hours),
                "laborTotal": L(labor_total),
                "partsCostTotal": L(parts_cost),
                "partsTotal": L(parts_total),
                "serviceCallTotal": L(service_call),
                "mileageTotal": L(mileage),
                "startDateTime": f"{(date - dt.timedelta(days=2)).isoformat()} 08:00:00",
                "completionDateTime": f"{date.isoformat()} 11:00:00",
                "created": f"{(date - dt.timedelta(days=3)).isoformat()} 12:00:00",
                "MiscCharges": misc,
                "Complaints": complaints,
            },
        }
        if broken_roll < self.broken_rate:
            self._break(rng, invoice)
        return invoice

    def _parts(self, rng: random.Random) -> list[dict]:
        parts = []
        for _ in range(rng.choices([0, 1, 2, 3, 5], [3, 3, 2, 2, 1])[0]):
            roll = rng.random()
            if roll < 0.08:
                shop, vendor, desc, cat = rng.choice(FREIGHT_PARTS)
                cost = Decimal(rng.choice(["15.00", "22.50", "48.00"]))
            elif roll < 0.15:
                shop, vendor, desc, cat = rng.choice(SUPPLY_PARTS)
                cost = Decimal("3.20")
            else:
                shop, vendor, desc, cat, cost = rng.choice(PARTS)
                cost = Decimal(cost)
            price = cents(cost * Decimal(rng.choice(["1.25", "1.3", "1.4", "1.5"])))
            qty = (
                Decimal(rng.choice([1, 1, 1, 2, 4, 6]))
                if cat != "Fluids"
                else Decimal(rng.choice(["2.5", "10", "11.5"]))
            )
            returned = Decimal(1) if qty > 1 and rng.random() < 0.1 else None
            line = {
                "primaryKey": str(rng.randint(10**7, 10**8)),
                "description": desc,
                "shopPartNumber": shop,
                "vendorPartNumber": vendor,
                "partCategory": cat,
                "quantity": self._loose(rng, qty),
                "cost": self._loose(rng, cost),
                "sellingPrice": self._loose(rng, price),
                "sellingPriceOverridden": "No",
                "taxable": rng.choice(["Yes", "No"]),
                "inventory": "Yes",
                "coreType": "",
                "sublet": "No",
                "toBeReturnedQuantity": 0,
                "returnedQuantity": None if returned is None else str(returned),
                "created": "2025-01-01 10:00:00",
            }
            parts.append(line)
            if rng.random() < 0.2:  # the same part added again (grouped when flattened)
                parts.append(
                    {
                        **line,
                        "primaryKey": str(rng.randint(10**7, 10**8)),
                        "quantity": 1,
                        "returnedQuantity": None,
                    }
                )
        return parts

    @staticmethod
    def _break(rng: random.Random, invoice: dict) -> None:
        """Damage the payload the way a bad export would (it must fail, not crash)."""
        kind = rng.choice(["number", "date", "structure", "complaint"])
        if kind == "number":
            invoice["subTotal"] = "12,5.0x"
        elif kind == "date":
            invoice["invoiceDate"] = "31/12/2025"
        elif kind == "structure":
            invoice["ServiceOrder"]["Complaints"] = "see attached"
        else:
            invoice["ServiceOrder"]["Complaints"] = [{"primaryKey": 1, "laborTotal": "N/A"}]

    def invoices(self, count: int, *, start: int = 0, date: dt.date | None = None) -> list[dict]:
        return [self.invoice(n, date=date) for n in range(start, start + count)]

    def invoices_between(self, start: dt.date, end: dt.date, *, per_day: int = 5) -> list[dict]:
        """``per_day`` invoices for each day of the window (same invoices for the same day)."""
        out = []
        day = start
        while day <= end:
            base = (day - dt.date(2020, 1, 1)).days * per_day
            out.extend(self.invoice(base + i, date=day) for i in range(per_day))
            day += dt.timedelta(days=1)
        return out
