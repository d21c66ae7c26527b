"""Accepted header names per source (matched case-, space- and punctuation-insensitively)."""

import re

_NON_ALNUM = re.compile(r"[^a-z0-9]+")


def header_key(name: str) -> str:
    """``Stock #``, ``stock_no`` and ``STOCK NO`` all become ``stockno``."""
    return _NON_ALNUM.sub("", (name or "").replace("#", "no").lower())


def _aliases(*names: str) -> tuple[str, ...]:
    return tuple(header_key(n) for n in names)


STORE = _aliases("Store", "Dealer", "Location", "Rooftop")
STOCK = _aliases("Stock No", "Stock Number", "StockNumber", "Stock", "Stock #", "DealerDefined1")

# field -> accepted header keys, per source (order = preference when several are present)
FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "cdk": {
        "vin": _aliases("VIN"),
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
        "vin": _aliases("VIN"),
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
        "vin": _aliases("VIN"),
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
        "vin": _aliases("VIN"),
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

# Headers only one source sends: a file carrying another source's and none of its own
# is the wrong source's file.
SIGNATURES: dict[str, frozenset[str]] = {
    "cdk": frozenset(
        _aliases(
            "BaseInvoicePrice",
            "BaseRetailPrice",
            "AdvertisedPrice",
            "Entry Date",
            "Lot Date",
            "Days In Stock",
            "TrimLevel",
            "ModelName",
            "ModelYear",
            "Category",
        )
    ),
    "vauto": frozenset(
        _aliases(
            "VIN 8",
            "VIN8",
            "vRank",
            "Price Rank",
            "Internet Price",
            "Photos",
            "Photo Count",
            "Odometer",
            "Series",
            "Current Status",
        )
    ),
    "lojack": frozenset(
        _aliases(
            "Device ID",
            "Device",
            "Serial Number",
            "LoJack ID",
            "Install Date",
            "Last Report",
            "Last Location Date",
            "On Lot",
        )
    ),
    "oem": frozenset(
        _aliases(
            "Order Number",
            "Order No",
            "VehicleOrderNumber",
            "Model Code",
            "Allocated Date",
            "Ship Date",
            "ETA",
            "Dealer Code",
            "Status Code",
        )
    ),
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


def wrong_source(source: str, headers: list[str]) -> str | None:
    """The source whose file this looks like, when it is not ``source``'s."""
    keys = {header_key(h) for h in headers}
    if keys & SIGNATURES[source]:
        return None
    for other, signature in SIGNATURES.items():
        if other != source and keys & signature:
            return other
    return None
