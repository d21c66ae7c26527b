"""Random VINs for generated units: 17 characters (no I, O, Q), a valid check digit."""

import random

from fleetops.vin import vin_with_check_digit

VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
YEAR_CODES = "ABCDEFGHJKLMNPRS"  # 2010..2025


def make_vin(rng: random.Random, wmi: str, year: int) -> str:
    body = "".join(rng.choice(VIN_CHARS) for _ in range(5))
    year_code = YEAR_CODES[(year - 2010) % len(YEAR_CODES)]
    serial = "".join(rng.choice("0123456789") for _ in range(6))
    return vin_with_check_digit(f"{wmi}{body}0{year_code}{rng.choice(VIN_CHARS[:23])}{serial}")
