"""Realistic demo feeds: valid VINs with check digits, the seed group's proportions, churn.

The last day's snapshot matches the seed dealer group by default (41,162 vehicles:
CDK 21,321; vAuto 19,468; LoJack 29,660; OEM 1,386), and every earlier day stays near
those proportions: about 1.2% of the stock arrives and as much is sold each day (arrivals
land in CDK first, vAuto and LoJack follow after a few days; sold vehicles leave CDK,
vAuto a day or two later, LoJack within days or never), listings and devices drop off and
come back, OEM orders are delivered into CDK, so exceptions open and clear every day and
open ones have a spread of ages. A few percent of rows
are messy: lower case or dashed VINs, money as ``$35,120.00``, invalid VINs,
duplicates, vAuto typos (one character, transposition) and stock suffixes.
"""

import csv
import random
import zlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from fleetops.vin import vin_with_check_digit

SEED_TOTAL = 41_162
SEED_SHARE = {"cdk": 21_321 / SEED_TOTAL, "vauto": 19_468 / SEED_TOTAL,
              "lojack": 29_660 / SEED_TOTAL, "oem": 1_386 / SEED_TOTAL}  # fmt: skip
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
WMIS = ("1FT", "1FA", "1C4", "1GC", "1G1", "2T3", "2HG", "3GN", "3VW", "4T1", "5YJ", "5FN",
        "JTD", "KNM", "WBA")  # fmt: skip
MAKES = {"1F": ("Ford", ["F-150", "Escape", "Explorer", "Mustang"]),
         "1C": ("Jeep", ["Grand Cherokee", "Wrangler", "Compass"]),
         "1G": ("Chevrolet", ["Silverado", "Equinox", "Malibu", "Tahoe"]),
         "2T": ("Toyota", ["RAV4", "Highlander"]), "2H": ("Honda", ["Civic", "CR-V"]),
         "3G": ("GMC", ["Terrain", "Sierra"]), "3V": ("Volkswagen", ["Jetta", "Tiguan"]),
         "4T": ("Toyota", ["Camry", "Tacoma"]), "5Y": ("Tesla", ["Model 3", "Model Y"]),
         "5F": ("Honda", ["Pilot", "Odyssey"]), "JT": ("Toyota", ["Corolla", "4Runner"]),
         "KN": ("Kia", ["Sorento", "Sportage"]), "WB": ("BMW", ["X3", "330i"])}  # fmt: skip
STORE_NAMES = ("Northside Ford", "Lakeview Chevrolet", "Riverside Toyota", "Oak Park Jeep",
               "Midway Honda", "Prairie GMC", "Summit Kia", "Harbor BMW", "Westfield VW",
               "Eastgate Motors", "Canyon Trucks", "Metro Auto")  # fmt: skip
YEAR_CODES = {2019: "K", 2020: "L", 2021: "M", 2022: "N", 2023: "P", 2024: "R", 2025: "S"}
HEADERS = {
    "cdk": ["VIN", "Stock No", "Year", "Make", "Model", "Trim", "New/Used", "Cost",
            "List Price", "Entry Date", "Store"],
    "vauto": ["Stock #", "VIN", "Year", "Make", "Model", "Series", "Odometer", "Price", "Cost",
              "Age", "New/Used", "vRank", "Photos", "Dealer"],
    "lojack": ["Device ID", "VIN", "Stock Number", "Install Date", "Last Report", "Status",
               "Location"],
    "oem": ["Order Number", "VIN", "Model Code", "Model Year", "MSRP", "Dealer Invoice",
            "Status Code", "Allocated Date", "Ship Date", "ETA", "Dealer Code"],
}  # fmt: skip
NEVER = 10**6


@dataclass
class Car:
    vin: str
    store: int
    stock: str
    year: int
    make: str
    model: str
    used: bool
    cost: int
    msrp: int
    order: str
    cdk: tuple[int, int]
    vauto: tuple[int, int]
    lojack: tuple[int, int]
    oem: tuple[int, int]
    vauto_vin: str  # what vAuto types (usually the VIN)
    vauto_stock: str
    gaps: dict[str, tuple[int, int]] = field(default_factory=dict)  # source: days away


def present_on(car: Car, source: str, day: int) -> bool:
    """Whether ``car`` is in ``source``'s snapshot of ``day``."""
    start, stop = getattr(car, source)
    if not start <= day < stop:
        return False
    gap = car.gaps.get(source)
    return not (gap and gap[0] <= day < gap[1])


def _vin(rng: random.Random, seen: set[str]) -> str:
    while True:
        wmi = rng.choice(WMIS)
        body = wmi + "".join(rng.choice(VIN_CHARS) for _ in range(5)) + "0"
        body += rng.choice("KLMNPRS") + rng.choice(VIN_CHARS) + f"{rng.randrange(10**6):06d}"
        vin = vin_with_check_digit(body)
        if vin not in seen:
            seen.add(vin)
            return vin


def _typo(rng: random.Random, vin: str) -> str:
    """A one-character slip or a transposition in the serial part (check digit kept)."""
    i = rng.randrange(11, 16)
    chars = list(vin)
    if rng.random() < 0.5:
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    else:
        chars[i] = rng.choice([c for c in "0123456789" if c != chars[i]])
    typo = "".join(chars)
    return typo if typo != vin else vin[:16] + ("1" if vin[16] != "1" else "2")


def _late_share(present: float, stuck: float) -> float:
    """Share of last-day holders that joined during the window, so that as many join as leave.

    Of the ``1 - present`` absent on the last day, ``1 - stuck`` were there earlier and
    dropped off during the window; the same number of holders must have joined late.
    """
    return min(1.0, (1 - stuck) * (1 - present) / present) if present else 0.0


def _history(rng: random.Random, present_last: bool, days: int, start: int, *,
             stuck: float, late: float, mean_age: float = 3.0) -> tuple[int, int]:  # fmt: skip
    """One source's window for a vehicle whose last-day presence is ``present_last``.

    Holders on the last day either joined late (a not-marketed or untracked exception the
    feed then clears) with probability ``late``, or were there since ``start``. The absent
    ones were absent all along (``stuck``) or dropped off recently (about ``mean_age`` days
    ago), so open exceptions have a spread of ages and the source's size stays steady.
    """
    first = min(max(start, 0), days - 1)
    if present_last:
        if days > 1 and first < days - 1 and rng.random() < late:
            joined = days - 1 - min(int(rng.expovariate(1 / mean_age)), days - 2)
            return (max(joined, first + 1), NEVER)
        return (first, NEVER)
    if days <= 1 or rng.random() < stuck:
        return (NEVER, NEVER)
    stop = days - 1 - min(int(rng.expovariate(1 / mean_age)), days - 1)
    return (first, stop) if stop > first else (NEVER, NEVER)


def _gap(rng: random.Random, window: tuple[int, int], days: int, share: float,
         mean_age: float = 3.0) -> tuple[int, int] | None:  # fmt: skip
    """A stretch of days away (a listing paused, a device silent) that ends before the
    last day: an exception opened and then cleared by a later feed."""
    first = window[0]
    if window[1] != NEVER or first >= days - 2 or rng.random() >= share:
        return None
    begin = rng.randrange(max(first, 1), days - 1)
    end = begin + 1 + int(rng.expovariate(1 / mean_age))
    return (begin, end) if end < days else None


def population(*, vehicles: int, stores: int, days: int, seed: int) -> list[Car]:
    """The vehicles and, per source, the days each one is present.

    The last day has the seed proportions; over the days before, vehicles arrive (in CDK
    first, vAuto and LoJack catch up after a few days) and are sold (gone from CDK, vAuto
    a day or two later, the LoJack device often lingers) at the same pace, about 1.2% of
    the stock a day, and listings and devices come and go, so each source stays near its
    share and exceptions open and clear every day.
    """
    rng = random.Random(seed)
    seen: set[str] = set()
    cars = []
    p_cdk = SEED_SHARE["cdk"]
    p_v_given_c, p_l_given_c, p_o_given_c = 0.8, 0.55, 0.04
    rest = 1 - p_cdk
    p_ghost = max(SEED_SHARE["vauto"] - p_cdk * p_v_given_c, 0) / rest
    p_oem_only = max(SEED_SHARE["oem"] - p_cdk * p_o_given_c, 0) / rest
    turnover = min(0.5, 0.012 * max(days - 1, 0))  # share of the stock sold (and bought)
    # Sold vehicles come from the non-CDK ones; pick them so that ~55% had a LoJack device
    # (as the stock does), although most non-CDK vehicles still show one.
    p_l_rest = min(max(SEED_SHARE["lojack"] - p_cdk * p_l_given_c, 0) / rest, 0.99)
    # Of the vehicles sold during the window, most are gone from every system by the last
    # day (extra vehicles beyond the last day's count); the others keep a LoJack device
    # or a stale listing.
    gone_share = 0.8 * turnover * p_cdk
    p_gone = gone_share / (1 + gone_share)
    sold_share = 0.2 * turnover * p_cdk / rest
    q_l = sold_share / (p_l_rest + (1 - p_l_rest) * p_l_rest * 0.45 / (0.55 * (1 - p_l_rest)))
    q_n = min(1.0, q_l * p_l_rest * 0.45 / (0.55 * (1 - p_l_rest)))
    v_stuck, l_stuck = 0.25, 0.6
    v_late, l_late = _late_share(p_v_given_c, v_stuck), _late_share(p_l_given_c, l_stuck)
    ghost_late = 0.5
    ghost_stuck = 1 - ghost_late * p_ghost / (1 - p_ghost) if p_ghost < 1 else 1.0
    for n in range(vehicles + round(vehicles * gone_share)):  # about `vehicles` on the last day
        vin = _vin(rng, seen)
        make, models = MAKES[vin[:2]]
        store = rng.randrange(stores)
        year = rng.choice(list(YEAR_CODES))
        used = rng.random() < 0.45
        msrp = rng.randrange(22_000, 78_000, 10)
        cost = int(msrp * (rng.uniform(0.55, 0.85) if used else rng.uniform(0.88, 0.95)))
        stock = f"{'PU'[used]}{chr(65 + store % 26)}{n:05d}"
        arrival = (rng.randrange(1, days) if days > 1 and rng.random() < turnover
                   else -rng.randrange(5, 90))  # fmt: skip
        gaps = {}
        in_cdk = rng.random() < p_cdk
        if days > 1 and rng.random() < p_gone:  # sold and gone from every system by now
            sold = rng.randrange(1, days)
            cdk = (0, sold)
            vauto = (0, min(sold + rng.randrange(0, 3), days - 1))
            if rng.random() >= p_v_given_c:
                vauto = (NEVER, NEVER)
            lojack = (0, min(sold + rng.randrange(0, 5), days - 1))
            if rng.random() >= p_l_given_c:
                lojack = (NEVER, NEVER)
            oem = (NEVER, NEVER)
        elif in_cdk:
            cdk = (max(arrival, 0), NEVER)
            vauto = _history(rng, rng.random() < p_v_given_c, days, arrival + rng.randrange(0, 3),
                             stuck=v_stuck, late=v_late)  # fmt: skip
            lojack = _history(rng, rng.random() < p_l_given_c, days,
                              arrival + rng.randrange(0, 4), stuck=l_stuck, late=l_late,
                              mean_age=4.0)  # fmt: skip
            for source, window in (("vauto", vauto), ("lojack", lojack)):
                gap = _gap(rng, window, days, share=0.08 if source == "vauto" else 0.04)
                if gap:
                    gaps[source] = gap
            oem = (0, NEVER) if rng.random() < p_o_given_c else (NEVER, NEVER)
            if arrival > 0 and not used and oem[0] == NEVER and rng.random() < 0.2:
                # the OEM order was waiting for the vehicle to reach CDK, then delivered
                oem = (0, min(arrival + rng.randrange(1, 3), days - 1))
        else:
            roll = rng.random()
            cdk = (NEVER, NEVER)
            vauto = _history(rng, roll < p_ghost, days, 0, stuck=ghost_stuck, late=ghost_late)
            oem = (NEVER, NEVER)
            if p_ghost <= roll < p_ghost + p_oem_only:  # orders keep coming from the OEM
                oem = (rng.randrange(1, days) if days > 1 and rng.random() < 0.6 else 0, NEVER)
            has_lojack = roll >= p_ghost + p_oem_only or rng.random() < 0.3
            lojack = (0, NEVER) if has_lojack else (NEVER, NEVER)
            if days > 1 and oem[0] == NEVER and rng.random() < (q_l if has_lojack else q_n):
                # sold meanwhile: was in CDK, vAuto follows within two days
                sold = rng.randrange(1, days)
                cdk = (0, sold)
                if vauto[0] == NEVER and rng.random() < p_v_given_c:
                    vauto = (0, min(sold + rng.randrange(0, 3), days - 1))
        vauto_vin, vauto_stock = vin, stock
        roll = rng.random()
        if roll < 0.004:
            vauto_vin = _typo(rng, vin)
        elif roll < 0.006:  # a slip early in the VIN: last 8 and stock still match
            i = rng.randrange(3, 8)
            vauto_vin = vin[:i] + ("X" if vin[i] != "X" else "Y") + vin[i + 1 :]
        if rng.random() < 0.3:
            stock += "R"  # DMS suffix; vAuto keeps the bare number
        cars.append(
            Car(vin, store, stock, year, make, rng.choice(models), used, cost, msrp,
                f"ORD{seed % 100:02d}{n:07d}", cdk, vauto, lojack, oem, vauto_vin, vauto_stock,
                gaps)
        )  # fmt: skip
    return cars


def _money(rng: random.Random, value: int) -> str:
    """About 30% as ``$35,120.00``; stable per value, so unchanged rows repeat day to day."""
    return f"${value:,.2f}" if (value // 10) % 10 < 3 else f"{value}.00"


def _messy_vin(rng: random.Random, vin: str) -> str:
    roll = rng.random()
    if roll < 0.01:
        return vin.lower()
    if roll < 0.015:
        return f"{vin[:3]}-{vin[3:11]}-{vin[11:]}"
    if roll < 0.02:
        return f"  {vin} "
    if roll < 0.024:
        return vin[:16]  # truncated: invalid
    if roll < 0.026:
        return vin[:5] + "O" + vin[6:]  # letter O: invalid
    return vin


def _row(source: str, car: Car, day: int, today: date, stores: list[str], rng) -> list:
    store = stores[car.store]
    if source == "cdk":
        stable = zlib.crc32(car.vin.encode())  # per-vehicle values that repeat day to day
        entry = today - timedelta(days=max(day - car.cdk[0], 0) + stable % 30)
        return [_messy_vin(rng, car.vin), car.stock, car.year, car.make, car.model, "",
                "Used" if car.used else "New", _money(rng, car.cost), _money(rng, car.msrp),
                entry.isoformat(), store]  # fmt: skip
    if source == "vauto":
        return [car.vauto_stock, _messy_vin(rng, car.vauto_vin), car.year, car.make, car.model,
                "", zlib.crc32(car.vin.encode()) % 90_000 if car.used else 8,
                _money(rng, car.msrp), car.cost, max(day - car.vauto[0], 0),
                "Used" if car.used else "New", car.cost % 97 + 1, car.msrp % 41, store]  # fmt: skip
    if source == "lojack":
        device = f"LJ{zlib.crc32(car.vin.encode()) % 10**8:08d}"
        return [device, _messy_vin(rng, car.vin), car.stock,
                (today - timedelta(days=40)).isoformat(), today.isoformat(),
                "Off Lot" if car.cost % 4 == 0 else "On Lot", store]  # fmt: skip
    built = car.cdk[0] <= day or rng.random() < 0.75
    return [car.order, car.vin if built else "", f"{car.model[:3].upper()}{car.year % 100}",
            car.year, _money(rng, car.msrp), _money(rng, car.cost),
            "DLV" if built else "ALC", (today - timedelta(days=30)).isoformat(),
            (today - timedelta(days=5)).isoformat() if built else "",
            (today + timedelta(days=10)).isoformat(), store]  # fmt: skip


def feeds_write(*, cars: list[Car], stores: int, days: int, seed: int, out: Path,
                end: date | None = None, messy: bool = True,
                last: int | None = None) -> list[Path]:  # fmt: skip
    """Write ``days`` daily folders (``day-01``...) with one CSV per source; with ``last``,
    only the last ``last`` of them (their numbers kept): steady-state days of a longer
    history without writing all of it."""
    rng = random.Random(seed + 1)
    end = end or date.today()
    names = [STORE_NAMES[i % len(STORE_NAMES)] + (f" {i // len(STORE_NAMES) + 1}"
             if i >= len(STORE_NAMES) else "") for i in range(stores)]  # fmt: skip
    folders = []
    for day in range(days - min(last or days, days), days):
        today = end - timedelta(days=days - 1 - day)
        folder = out / f"day-{day + 1:02d}"
        folder.mkdir(parents=True, exist_ok=True)
        for source in ("cdk", "vauto", "lojack", "oem"):
            path = folder / f"{source}.csv"
            # CDK exports come from Windows: BOM and CRLF.
            encoding, newline = ("utf-8-sig", "\r\n") if source == "cdk" else ("utf-8", "\n")
            with path.open("w", encoding=encoding, newline="") as handle:
                writer = csv.writer(handle, lineterminator=newline)
                writer.writerow(HEADERS[source])
                for car in cars:
                    if not present_on(car, source, day):
                        continue
                    row = _row(source, car, day, today, names, rng if messy else _Clean())
                    writer.writerow(row)
                    if messy and rng.random() < 0.004:
                        writer.writerow(row)  # the same VIN twice: a duplicate
        folders.append(folder)
    return folders


class _Clean(random.Random):
    """A random source whose draws never trigger the messy branches."""

    def random(self):
        return 0.99
