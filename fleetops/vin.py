"""VIN normalisation and validation (ISO 3779 characters, North American check digit)."""

import re
import string
from operator import getitem

VIN_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_STRIP = re.compile(r"[\s\-_.]+")
_ASCII_UPPER = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)

# ISO 3779: the value of each character a VIN may hold, for its check digit
CHARACTER_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
CHECK_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# World manufacturer identifiers starting 1-5 are North American: check digit mandatory.
NORTH_AMERICAN = frozenset("12345")


def vin_normalise(raw: str | None) -> str:
    """Without spaces, dashes, dots or underscores, a-z upper-cased (a-z only: ``str.upper``
    makes "S" of the long s "ſ" and "SS" of "ß", which would pass for VIN characters)."""
    text = _STRIP.sub("", raw or "")
    return text.upper() if text.isascii() else text.translate(_ASCII_UPPER)


def vin_is_valid(vin: str) -> bool:
    return bool(VIN_RE.match(vin))


# per position, character -> its transliterated value times the position's weight (the
# check digit is the sum over the 17 positions, modulo 11)
_TERMS = tuple({c: v * w for c, v in CHARACTER_VALUES.items()} for w in CHECK_WEIGHTS)


def vin_check_digit(vin: str) -> str:
    """The check digit (position 9) that a valid ``vin`` should carry: '0'-'9' or 'X'."""
    rest = sum(map(getitem, _TERMS, vin)) % 11
    return "X" if rest == 10 else str(rest)


def vin_with_check_digit(vin17: str) -> str:
    """``vin17`` with position 9 replaced by its correct check digit."""
    return vin17[:8] + vin_check_digit(vin17) + vin17[9:]


def vin_check_digit_ok(vin: str) -> bool:
    """True when the check digit is right, or when the VIN is not North American."""
    if vin[0] not in NORTH_AMERICAN:
        return True
    return vin[8] == vin_check_digit(vin)


def vin_problem(vin: str) -> str | None:
    """Why a normalised VIN is invalid ('' means missing), or None when it is valid."""
    if not vin:
        return "missing"
    if len(vin) != 17:
        return f"{len(vin)} characters instead of 17"
    bad = sorted({c for c in vin if not ("A" <= c <= "Z" or "0" <= c <= "9") or c in "IOQ"})
    if bad:
        return "characters not allowed in a VIN: " + " ".join(bad)
    return None
