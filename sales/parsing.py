"""Parse classicmodels CSV cells exactly as documented: empty cell = NULL, text kept as is.

Used by the set-based loader (``sales.services.classicmodels_load``) and by the
import-export widgets (``sales.resources``), so both read a file the same way.
"""

import csv
import io
import re
from collections.abc import Iterator
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sales.tables import Column

_INT = re.compile(r"^-?\d+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_DECIMAL = Decimal("99999999.99")  # decimal(10,2)


class CellError(ValueError):
    """A cell that cannot be stored; the message names the problem for the clerk."""


def parse_int(raw: str) -> int:
    if not _INT.match(raw):
        raise CellError(f"{raw!r} is not a whole number")
    return int(raw)


def parse_decimal(raw: str) -> Decimal:
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise CellError(f"{raw!r} is not a number") from None
    if not value.is_finite() or abs(value) > MAX_DECIMAL:
        raise CellError(f"{raw!r} is out of range")
    return value.quantize(Decimal("0.01"))


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
    if column.kind in ("str",):
        return raw
    if column.kind == "blob":
        return raw.encode()
    if column.kind == "int":
        value = parse_int(raw)
    elif column.kind == "decimal":
        value = parse_decimal(raw)
    elif column.kind == "date":
        return parse_date(raw)
    else:  # fk: the raw key; existence is checked by the caller
        return raw
    if column.min_value is not None and value < column.min_value:
        raise CellError(f"{raw} is negative")
    return value


def read_csv(path: Path) -> Iterator[dict[str, str]]:
    """Rows of a CSV file as dicts, multi-line quoted cells and trailing spaces intact."""
    with open(path, newline="", encoding="utf-8-sig") as handle:
        yield from csv.DictReader(handle)


def read_csv_text(text: str) -> Iterator[dict[str, str]]:
    yield from csv.DictReader(io.StringIO(text, newline=""))
