"""Test data for inventory: valid VINs (right check digit) and CSV snapshots."""

import csv
import io
import itertools

from fleetops.vin import vin_with_check_digit

_serial = itertools.count(100000)


def make_vin(wmi: str = "1FT", serial: int | None = None) -> str:
    """A valid North American VIN with the right check digit, unique per call."""
    n = next(_serial) if serial is None else serial
    return vin_with_check_digit(f"{wmi}EW1E50PF{n:06d}")


def csv_bytes(header: list[str], rows: list[list], *, bom=False, crlf=False) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n" if crlf else "\n").writerows([header, *rows])
    return (("\ufeff" if bom else "") + out.getvalue()).encode()


CDK_HEADER = ["VIN", "Stock No", "Year", "Make", "Model", "Cost", "List Price", "Store"]
VAUTO_HEADER = ["Stock #", "VIN", "Year", "Make", "Model", "Price", "Photos", "Dealer"]
LOJACK_HEADER = ["Device ID", "VIN", "Stock Number", "Last Report", "Location"]
OEM_HEADER = ["Order Number", "VIN", "Model Code", "MSRP", "Dealer Invoice", "Dealer Code"]


def cdk_rows(vehicles: dict[str, dict]) -> bytes:
    return csv_bytes(CDK_HEADER, [
        [vin, v.get("stock", ""), 2024, "Ford", "F-150", v.get("cost", "30000.00"),
         v.get("price", "40000"), v.get("store", "North")] for vin, v in vehicles.items()
    ])  # fmt: skip


def vauto_rows(vins, store="North") -> bytes:
    return csv_bytes(VAUTO_HEADER, [["S1", vin, 2024, "Ford", "F-150", "41000", 12, store]
                                    for vin in vins])  # fmt: skip


def lojack_rows(vins, store="North") -> bytes:
    return csv_bytes(LOJACK_HEADER, [[f"D{i}", vin, "", "2026-01-01", store]
                                     for i, vin in enumerate(vins)])  # fmt: skip


def oem_rows(orders: dict[str, dict]) -> bytes:
    return csv_bytes(OEM_HEADER, [
        [order, o.get("vin", ""), "F15", o.get("msrp", "50000"), "45000", "North"]
        for order, o in orders.items()
    ])  # fmt: skip
