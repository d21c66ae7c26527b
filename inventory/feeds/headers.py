"""Accepted header names per source (matched case-, space- and punctuation-insensitively)."""

import re

from inventory.models.runs import Source

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def header_key(name: str) -> str:
    """``Stock #``, ``stock_no`` and ``STOCK NO`` all become ``stockno``."""
    return _NON_ALNUM.sub("", (name or "").replace("#", "no").lower())


def header_names(cells: list[str]) -> list[str]:
    """The header's names, stripped, without the empty ones after its last name: a header
    ending with a delimiter (exports that end every line with one) names no column there,
    so a row's filled cell past its last name is one too many (``extra_cells``)."""
    names = [cell.strip() for cell in cells]
    while names and not names[-1]:
        names.pop()
    return names


def _aliases(*names: str) -> tuple[str, ...]:
    return tuple(header_key(n) for n in names)


VIN = _aliases("VIN", "VIN #", "VIN Number")  # "VIN #", "VIN#" and "VIN No" are one key
STORE = _aliases("Store", "Dealer", "Location", "Rooftop")
STOCK = _aliases("Stock No", "Stock Number", "StockNumber", "Stock", "Stock #", "DealerDefined1")

# field -> accepted header keys, per source (order = preference when several are present)
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "cdk": {
        "vin": VIN,
        "stock_number": STOCK,
        "year": _aliases("Year", "ModelYear"),
        "make": _aliases("Make"),
        "model": _aliases("Model", "ModelName"),
        "trim": _aliases("Trim", "TrimLevel"),
        "category": _aliases("New/Used", "Type", "Category"),
        "cost": _aliases("Cost", "BaseInvoicePrice", "Invoice"),
        "price": _aliases("List Price", "Price", "AdvertisedPrice"),
        "msrp": _aliases("BaseRetailPrice", "MSRP"),
        "since": _aliases("Entry Date", "Lot Date", "Days In Stock", "Age"),
        "status": _aliases("Status"),
        "store": STORE,
    },
    "vauto": {
        "vin": VIN,
        "vin8": _aliases("VIN 8", "VIN8", "VIN Last 8", "Last 8"),
        "stock_number": _aliases("Stock #", "Stock No", "Stock Number", "Stock"),
        "year": _aliases("Year"),
        "make": _aliases("Make"),
        "model": _aliases("Model"),
        "trim": _aliases("Series", "Trim"),
        "category": _aliases("New/Used"),
        "price": _aliases("Price", "List Price", "Internet Price"),
        "cost": _aliases("Cost"),
        "since": _aliases("Age", "Days"),
        "photos": _aliases("Photos", "Photo Count"),
        "status": _aliases("Current Status", "Status"),
        "store": STORE,
    },
    "lojack": {
        "vin": VIN,
        "device_id": _aliases("Device ID", "Device", "Serial Number", "LoJack ID"),
        "stock_number": _aliases("Stock No", "Stock Number", "Stock #"),
        "installed": _aliases("Install Date"),
        "last_report": _aliases("Last Report", "Last Location Date"),
        "status": _aliases("Status", "On Lot"),
        "store": STORE,
        "year": _aliases("Year"),
        "make": _aliases("Make"),
        "model": _aliases("Model"),
    },
    "oem": {
        "vin": VIN,
        "order_number": _aliases("Order Number", "Order No", "VehicleOrderNumber"),
        "model_code": _aliases("Model Code"),
        "year": _aliases("Model Year", "Year"),
        "make": _aliases("Make"),
        "model": _aliases("Model"),
        "msrp": _aliases("MSRP"),
        "cost": _aliases("Invoice", "Dealer Invoice"),
        "status": _aliases("Status", "Status Code"),
        "allocated": _aliases("Allocated Date"),
        "ship": _aliases("Ship Date"),
        "eta": _aliases("ETA"),
        "store": _aliases("Dealer Code", "Dealer", "Store", "Location", "Rooftop"),
    },
}

REQUIRED = {"cdk": ("vin",), "vauto": ("vin", "vin8"), "lojack": ("vin",), "oem": ("order_number",)}


def column_map(source: str, headers: list[str]) -> dict[str, int]:
    """field -> column index for the headers of a file of ``source``."""
    keys = [header_key(h) for h in headers]
    found: dict[str, int] = {}
    for field, aliases in FIELDS[source].items():
        for alias in aliases:
            if alias in keys:
                found[field] = keys.index(alias)
                break
    return found


def recognised(source: str, headers: list[str]) -> int:
    """How many of ``headers`` are among ``source``'s accepted names."""
    accepted = {alias for aliases in FIELDS[source].values() for alias in aliases}
    return sum(header_key(h) in accepted for h in headers)


def wrong_source(source: str, headers: list[str]) -> str | None:
    """The source whose file this looks like, when it is not ``source``'s: the one that
    recognises the most of ``headers``, if strictly more than ``source`` does.

    A header no source knows counts for none; a tie keeps ``source`` (most columns, VIN,
    stock, year, make, model, price, store, are common to several sources).
    """
    counts = {other: recognised(other, headers) for other in FIELDS}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] > counts[source] else None


def wrong_source_refusal(source: str, headers: list[str]) -> str | None:
    """Why a file with ``headers`` is refused as ``source``'s when it looks like another
    source's (:func:`wrong_source`); None when it does not."""
    other = wrong_source(source, headers)
    if not other:
        return None
    label = Source(source).label
    theirs = [h for h in headers if recognised(other, [h]) and not recognised(source, [h])]
    return (
        f"This looks like {_a_file(other)}, not {_a_file(source)}: "
        f"{Source(other).label} knows {recognised(other, headers)} of its "
        f"{len(headers)} columns, {label} {recognised(source, headers)}; "
        f"{label} does not know {listed(theirs)}."
    )


def listed(names: list[str], most: int = 10) -> str:
    """``A, B, C``, or the first ``most`` and how many more."""
    shown = ", ".join(names[:most])
    return f"{shown} and {len(names) - most} more" if len(names) > most else shown


def _a_file(source: str) -> str:
    """``a CDK (DMS) file``, ``an OEM allocations file``."""
    label = Source(source).label
    return f"{'an' if label[0] in 'AEIOU' else 'a'} {label} file"
