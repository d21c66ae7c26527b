"""Loose Fullbay values into strict Python ones.

Fullbay sends money and quantities as numbers or numeric strings ("6", "4.73"),
flags as "Yes"/"No", and empty values as "" or null. Money is always Decimal:
a float is converted through ``repr`` (``4.73`` stays ``Decimal("4.73")``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from fleetops.money import cents

HOUR_QUANTUM = Decimal("0.0001")
ZERO = Decimal("0")
# No column holds a number this large (money: 12 digits before the point), and products of
# two smaller ones stay within the 28 digits Decimal keeps.
TOO_LARGE = Decimal(10) ** 12
_TRUE = {"yes", "y", "true", "t", "1", "on"}
_FALSE = {"no", "n", "false", "f", "0", "off"}
# "-$1,234.56": a sign, a dollar sign, digits (in groups of three when commas separate them).
_GROUPED = re.compile(r"([+-]?)\$?(\d{1,3}(?:,\d{3})+|\d+)(\.\d*)?", re.ASCII)


class FlattenError(ValueError):
    """The payload cannot be turned into line items (kept raw as failed)."""


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def to_decimal(
    value: Any, *, field: str = "value", default: Decimal | None = ZERO
) -> Decimal | None:
    """A Decimal from a number, a numeric string ("1,234.50", "$12"), or ``default`` when empty.

    Commas are read only as thousands separators ("7,50" and "1,2345" are not numbers).
    """
    kind = type(value)
    if kind is str:
        text = value.strip()
        if not text:
            return default
        if "_" in text or not text.isascii():  # Decimal reads "1_000" and other scripts' digits
            raise FlattenError(f"{field}: {value!r} is not a number")
        try:
            result = Decimal(text)
        except InvalidOperation:
            match = _GROUPED.fullmatch(text)
            if match is None:
                raise FlattenError(f"{field}: {value!r} is not a number") from None
            sign, digits, fraction = match.groups()
            result = Decimal(f"{sign}{digits.replace(',', '')}{fraction or ''}")
    elif kind is int:
        result = Decimal(value)
    elif kind is float:
        result = Decimal(repr(value))
    elif value is None:
        return default
    elif kind is Decimal:
        result = value
    elif isinstance(value, int) and not isinstance(value, bool):
        result = Decimal(int(value))
    else:
        raise FlattenError(f"{field}: {value!r} is not a number")
    if not result.is_finite():
        raise FlattenError(f"{field}: {value!r} is not a finite number")
    if not -TOO_LARGE < result < TOO_LARGE:  # past 28 digits, cents() raises InvalidOperation
        raise FlattenError(f"{field}: {value!r} is out of range")
    return result


def money(value: Any, *, field: str = "amount") -> Decimal:
    return cents(to_decimal(value, field=field))


def hours(value: Decimal) -> Decimal:
    return value.quantize(HOUR_QUANTUM, rounding=ROUND_HALF_UP)


def to_bool(value: Any) -> bool | None:
    """True/False from "Yes"/"No", 1/0, true/false; None when empty or unknown."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return value != 0
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


def to_text(value: Any, *, max_length: int | None = None) -> str:
    """A stripped string ("" for None); ints keep their digits (``48627604`` -> "48627604")."""
    if type(value) is str:
        text = value.strip()
        return text[:max_length] if max_length is not None else text
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if max_length is not None:
        text = text[:max_length]
    return text


def to_date(value: Any, *, field: str = "date") -> dt.date | None:
    """A date from "YYYY-MM-DD" (or the date part of "YYYY-MM-DD HH:MM:SS"); None when empty."""
    if is_blank(value) or str(value).startswith("0000-00-00"):
        return None
    text = str(value).strip()[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise FlattenError(f"{field}: {value!r} is not a date") from None


def to_datetime(value: Any, *, field: str = "datetime") -> dt.datetime | None:
    """A naive datetime from "YYYY-MM-DD HH:MM:SS" (Fullbay sends no zone); None when empty."""
    if is_blank(value) or str(value).startswith("0000-00-00"):
        return None
    try:
        return dt.datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise FlattenError(f"{field}: {value!r} is not a date-time") from None


def as_dict(value: Any, *, field: str) -> dict:
    """An object, or {} when empty; anything else is a broken payload."""
    if is_blank(value) or value == []:
        return {}
    if not isinstance(value, dict):
        raise FlattenError(f"{field}: expected an object, got {type(value).__name__}")
    return value


def as_list(value: Any, *, field: str) -> list[dict]:
    """A list of objects; an object keyed by ids ({"0": {...}}) counts as its values."""
    if is_blank(value):
        return []
    if isinstance(value, dict):
        value = list(value.values())
    if not isinstance(value, list):
        raise FlattenError(f"{field}: expected a list, got {type(value).__name__}")
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise FlattenError(f"{field}[{i}]: expected an object, got {type(item).__name__}")
    return value


def first_present(*values: Any) -> Any:
    """The first value that is not blank (None when all are)."""
    for value in values:
        if not is_blank(value):
            return value
    return None


def split_exact(total: Decimal, weights: Iterable[Decimal], quantum: Decimal) -> list[Decimal]:
    """Split ``total`` by ``weights`` at ``quantum``; the last share with a weight takes the
    rounding remainder (a zero weight's share stays zero).

    Zero (or negative) weight sums split equally. The shares always add up to ``total``.
    """
    weights = list(weights)
    if not weights:
        return []
    weight_sum = sum(weights, ZERO)
    if weight_sum <= 0:
        weights = [Decimal(1)] * len(weights)
        weight_sum = Decimal(len(weights))
    last = max(i for i, w in enumerate(weights) if w > 0)
    shares = [
        (total * w / weight_sum).quantize(quantum, rounding=ROUND_HALF_UP) if i != last else ZERO
        for i, w in enumerate(weights)
    ]
    shares[last] = total - sum(shares, ZERO)
    return shares
