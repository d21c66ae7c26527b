"""Parse classicmodels CSV cells exactly as documented: empty cell = NULL, text kept as is.

Used by the set-based loader (``sales.services.classicmodels_load``) and by the
import-export widgets (``sales.resources``), so both read a file the same way.
"""

import re
from datetime import date
from decimal import Decimal

from sales.tables import Column

_INT = re.compile(r"^-?\d+$")
_DECIMAL = re.compile(r"^-?(\d+)(?:\.(\d+))?$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CellError(ValueError):
    """A cell that cannot be stored; the message names the problem for the clerk."""


def parse_int(raw: str) -> int:
    if not _INT.match(raw):
        raise CellError(f"{raw!r} is not a whole number")
    return int(raw)


def parse_decimal(raw: str, *, max_digits: int, decimal_places: int) -> Decimal:
    """A plain decimal (``21000.00``): no exponent, no more places than the column keeps
    (nothing is rounded), no more digits than it holds."""
    match = _DECIMAL.match(raw)
    if not match:
        raise CellError(f"{raw!r} is not a number like 1234.50")
    whole, places = match.group(1), match.group(2) or ""
    if len(places) > decimal_places:
        raise CellError(f"{raw!r} has more than {decimal_places} decimal places")
    if len(whole.lstrip("0")) > max_digits - decimal_places:
        raise CellError(f"{raw!r} is out of range")
    return Decimal(raw).quantize(Decimal(1).scaleb(-decimal_places))


def parse_date(raw: str) -> date:
    if not _DATE.match(raw):
        raise CellError(f"{raw!r} is not a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise CellError(f"{raw!r} is not a valid date") from None


def parse_cell(column: Column, raw: str | None):
    """The Python value of one cell (``None`` for an empty cell); raises ``CellError``."""
    if raw is None or raw == "":
        if not column.nullable:
            raise CellError("is required (empty cell)")
        return None
    if "\x00" in raw:  # PostgreSQL text cannot hold it (a DataError); SQLite kept it
        raise CellError("contains a NUL character (byte 0x00), which no column can hold")
    if column.kind in ("str",):
        if column.max_length is not None and len(raw) > column.max_length:
            raise CellError(f"is {len(raw)} characters long, more than {column.max_length}")
        return raw
    if column.kind == "blob":
        return raw.encode()
    if column.kind == "int":
        value = parse_int(raw)
    elif column.kind == "decimal":
        value = parse_decimal(
            raw, max_digits=column.max_digits, decimal_places=column.decimal_places
        )
    elif column.kind == "date":
        return parse_date(raw)
    else:  # fk: the raw key; existence is checked by the caller
        return raw
    if column.min_value is not None and value < column.min_value:
        raise CellError(
            f"{raw} is negative" if column.min_value == 0 else f"{raw} is below {column.min_value}"
        )
    if column.max_value is not None and value > column.max_value:
        raise CellError(f"{raw} is above {column.max_value}")
    return value
