"""VINs: 17 characters (no I, O, Q) with the check digit in position 9."""

import random

VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
VIN_VALUES = dict(
    zip(
        "ABCDEFGHJKLMNPRSTUVWXYZ",
        [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9],
        strict=True,
    )
)
VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
YEAR_CODES = "ABCDEFGHJKLMNPRS"  # 2010..2025


def vin_check_digit(vin: str) -> str:
    total = sum(
        (int(c) if c.isdigit() else VIN_VALUES[c]) * w
        for c, w in zip(vin, VIN_WEIGHTS, strict=True)
    )
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def vin_is_valid(vin: str) -> bool:
    vin = vin.upper()
    return len(vin) == 17 and all(c in VIN_CHARS for c in vin) and vin[8] == vin_check_digit(vin)


def make_vin(rng: random.Random, wmi: str, year: int) -> str:
    body = "".join(rng.choice(VIN_CHARS) for _ in range(5))
    year_code = YEAR_CODES[(year - 2010) % len(YEAR_CODES)]
    serial = "".join(rng.choice("0123456789") for _ in range(6))
    draft = f"{wmi}{body}0{year_code}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{serial}"
    return draft[:8] + vin_check_digit(draft) + draft[9:]
