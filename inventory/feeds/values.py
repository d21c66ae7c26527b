"""The values of a feed's cells that are more than text: amounts (``35120.00``,
``$35,120.00``, ``(500.00)``; never a decimal comma) and model years. The row parser,
the columnar parser and the vehicle page read them with these.
"""

import re
from decimal import Decimal

from fleetops.money import cents

# Amounts: blanks and "$" dropped, then a plain amount or one whose "," group thousands
# ("1,234.50", never "1,5" or "48200,00": a decimal comma), negative with "-" or in
# parentheses, rounded half away from zero, under 10^10.
_MONEY_STRIP = re.compile(r"[ \t\n\r\v\f$]")
# plain, or "$35,120.00"-shaped (at most 9 digits): exact in numeric(12, 2) once "$" and
# "," are dropped
MONEY_FAST_RE = re.compile(
    r"-?[0-9]{1,10}(\.[0-9]{1,2})?|\$?[0-9]{1,3}(,[0-9]{3}){0,2}(\.[0-9]{1,2})?"
)
_MONEY_DIGITS = r"(?:[0-9]{1,10}|[0-9]{1,3}(?:,[0-9]{3}){1,3})(?:\.[0-9]+)?"
_MONEY_PLAIN = re.compile(rf"-?{_MONEY_DIGITS}")
_MONEY_PAREN = re.compile(rf"\(({_MONEY_DIGITS})\)")
_MONEY_LIMIT = Decimal("10000000000")
YEAR_RE = re.compile(r"(19[0-9][0-9]|20[0-9][0-9]|2100)(\.0+)?")


def money_parse(text: str) -> Decimal | None:
    """``35120.00``, ``$35,120.00``, `` 35120 ``, ``(500.00)`` -> Decimal; empty -> None.

    Anything else (a decimal comma, commas out of place, 10^10 and more) raises ValueError.
    """
    cleaned = _MONEY_STRIP.sub("", text or "")
    if not cleaned:
        return None
    if _MONEY_PLAIN.fullmatch(cleaned):
        value = Decimal(cleaned.replace(",", ""))
    elif match := _MONEY_PAREN.fullmatch(cleaned):
        value = -Decimal(match[1].replace(",", ""))
    else:
        raise ValueError(f"not an amount: {text}")
    value = cents(value)
    if abs(value) >= _MONEY_LIMIT:
        raise ValueError(f"not an amount: {text}")
    return value


def year_parse(text: str) -> int | None:
    """A model year 1900-2100 (``2024`` or ``2024.0``); anything else -> None."""
    text = (text or "").strip()
    return int(text[:4]) if YEAR_RE.fullmatch(text) else None
