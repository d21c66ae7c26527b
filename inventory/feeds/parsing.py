"""Parse one source's CSV snapshot into rows ready to write, validating every row first.

Nothing here touches the database: :func:`feed_parse` returns a :class:`ParsedFeed`
(records + issues) or raises :class:`FeedRejected` for a file that cannot be this
source's snapshot at all.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from inventory.feeds.headers import REQUIRED, column_map, wrong_source
from inventory.feeds.vin import (
    NORTH_AMERICAN,
    VIN_RE,
    vin_check_digit,
    vin_normalise,
    vin_problem,
)

# The columns written for every record, in this order (see inventory.feeds.writer).
RECORD_FIELDS = (
    "key", "vin", "vin8", "store", "stock_number", "year", "make", "model", "trim",
    "category", "cost", "price", "msrp", "status", "extra", "line_number", "raw_line",
)  # fmt: skip
# The same rules as the SQL path (feeds.pg_copy): strip blanks, "$" and ",", then a plain
# amount or a parenthesised (negative) one, rounded half away from zero, under 10^10.
_MONEY_STRIP = re.compile(r"[ \t\n\r\v\f$,]")
_MONEY_FAST = re.compile(r"-?[0-9]{1,10}(\.[0-9]{1,2})?")
_MONEY_PLAIN = re.compile(r"-?[0-9]{1,10}(\.[0-9]+)?")
_MONEY_PAREN = re.compile(r"\(([0-9]{1,10}(\.[0-9]+)?)\)")
_MONEY_LIMIT = Decimal("10000000000")
_CENTS = Decimal("0.01")
_YEAR_RE = re.compile(r"(19[0-9][0-9]|20[0-9][0-9]|2100)(\.0+)?")
VIN8_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{8}$")
csv.field_size_limit(1_000_000)


class FeedRejected(Exception):
    """The whole file is refused; nothing is written."""


@dataclass
class Issue:
    line_number: int
    raw_value: str
    reason: str
    message: str
    is_warning: bool = False


@dataclass
class ParsedFeed:
    source: str
    records: list[tuple] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    rows_read: int = 0
    invalid_rows: int = 0
    duplicates: int = 0
    warnings: int = 0
    headers: list[str] = field(default_factory=list)


def money_parse(text: str) -> Decimal | None:
    """``35120.00``, ``$35,120.00``, `` 35120 ``, ``(500.00)`` -> Decimal; empty -> None.

    Anything else (or 10^10 and more) raises ValueError.
    """
    cleaned = _MONEY_STRIP.sub("", text or "")
    if not cleaned:
        return None
    if _MONEY_PLAIN.fullmatch(cleaned):
        value = Decimal(cleaned)
    elif match := _MONEY_PAREN.fullmatch(cleaned):
        value = -Decimal(match[1])
    else:
        raise ValueError(f"not an amount: {text}")
    value = value.quantize(_CENTS, rounding=ROUND_HALF_UP)
    if abs(value) >= _MONEY_LIMIT:
        raise ValueError(f"not an amount: {text}")
    return value


def year_parse(text: str) -> int | None:
    """A model year 1900-2100 (``2024`` or ``2024.0``); anything else -> None."""
    text = (text or "").strip()
    return int(text[:4]) if _YEAR_RE.fullmatch(text) else None


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise FeedRejected("This is not a CSV file (it contains binary data).")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _read_rows(text: str):
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def feed_parse(source: str, data: bytes, *, store: str = "") -> ParsedFeed:
    """Validate every row of ``data`` (a CSV file of ``source``) and shape the records."""
    reader = _read_rows(_decode(data))
    try:
        headers = next(reader)
    except StopIteration:
        raise FeedRejected("The file is empty.") from None
    except csv.Error as exc:
        raise FeedRejected(f"This is not a readable CSV file: {exc}") from None
    headers = [h.strip() for h in headers]
    cols = column_map(source, headers)
    other = wrong_source(source, headers)
    if other:
        raise FeedRejected(
            f"This looks like a {other} file, not {source}: its columns are {', '.join(headers)}."
        )
    if not any(f in cols for f in REQUIRED[source]):
        wanted = " or ".join(REQUIRED[source]).replace("_", " ")
        raise FeedRejected(
            f"No {wanted} column: found {', '.join(headers) or 'no headers'}. "
            "Is this the right file for this source?"
        )
    feed = ParsedFeed(source=source, headers=headers)
    parse_row = _row_parser(source, cols, store, feed)
    seen: dict[str, int] = {}
    try:
        for row in reader:
            if not any(row) or not "".join(row).strip():
                continue
            line_number = reader.line_num
            feed.rows_read += 1
            record = parse_row(row, line_number)
            if record is None:
                continue
            key = record[0]
            if key in seen:
                feed.duplicates += 1
                reason = "duplicate_order" if key.startswith("order:") else "duplicate_vin"
                feed.issues.append(
                    Issue(line_number, key, reason, f"Already on line {seen[key]}; kept once.")
                )
                continue
            seen[key] = line_number
            feed.records.append(record)
    except csv.Error as exc:
        raise FeedRejected(f"The CSV is malformed near line {reader.line_num}: {exc}") from None
    if feed.rows_read == 0:
        raise FeedRejected("The file has a header but no rows: a snapshot cannot be empty.")
    if not feed.records:
        raise FeedRejected(
            f"None of the {feed.rows_read} rows has a usable VIN: is this the right file?"
        )
    return feed


def _raw_line(row: list[str]) -> str:
    """The row as CSV text again (quoted only where needed)."""
    return ",".join(
        c if "," not in c and '"' not in c else '"' + c.replace('"', '""') + '"' for c in row
    )[:2000]


def _vin_fast(raw: str) -> str:
    vin = raw.upper()
    if len(vin) == 17 and VIN_RE.match(vin):
        return vin
    return vin_normalise(raw)


def _vin_checked(feed: ParsedFeed, raw: str, line: int, *, optional: bool = False):
    """The normalised VIN, '' when absent and allowed, or None after recording an issue."""
    vin = _vin_fast(raw)
    if len(vin) == 17 and VIN_RE.match(vin):
        if vin[0] in NORTH_AMERICAN and vin[8] != vin_check_digit(vin):
            feed.warnings += 1
            feed.issues.append(
                Issue(line, raw[:200], "check_digit",
                      f"Check digit is {vin[8]}, expected {vin_check_digit(vin)}: probably a typo.",
                      True)
            )  # fmt: skip
        return vin
    problem = vin_problem(vin)
    if problem == "missing":
        if optional:
            return ""
        feed.invalid_rows += 1
        feed.issues.append(Issue(line, raw, "missing_vin", "The row has no VIN."))
        return None
    feed.invalid_rows += 1
    feed.issues.append(Issue(line, raw[:200], "invalid_vin", f"Invalid VIN: {problem}."))
    return None


def _money_fast(feed: ParsedFeed, text: str, line: int) -> Decimal | None:
    if not text:
        return None
    if _MONEY_FAST.fullmatch(text):
        return Decimal(text).quantize(_CENTS)
    try:
        return money_parse(text)
    except ValueError as exc:
        feed.warnings += 1
        feed.issues.append(Issue(line, text[:200], "invalid_value", str(exc), True))
        return None


def _row_parser(source: str, cols: dict[str, int], store: str, feed: ParsedFeed):
    """A function ``(row, line) -> record | None`` for this file's columns."""
    width = max(cols.values()) + 1

    def col(name):
        return cols.get(name, -1)

    i_vin, i_vin8, i_store, i_stock = col("vin"), col("vin8"), col("store"), col("stock_number")
    i_year, i_make, i_model, i_trim = col("year"), col("make"), col("model"), col("trim")
    i_cat, i_cost, i_price, i_msrp = col("category"), col("cost"), col("price"), col("msrp")
    i_status = col("status")
    extra_cols = {
        "cdk": ("since",), "vauto": ("since", "photos"), "lojack": ("device_id", "last_report"),
        "oem": ("order_number", "model_code", "ship", "eta"),
    }[source]  # fmt: skip
    i_extra = [cols[n] for n in extra_cols if n in cols]
    i_order = col("order_number")

    def cell(row, i):
        return row[i].strip() if i >= 0 else ""

    def parse(row: list[str], line: int):
        if len(row) < width:
            row = row + [""] * (width - len(row))
        if source == "oem":
            order = cell(row, i_order).upper()
            if not order:
                feed.invalid_rows += 1
                feed.issues.append(Issue(line, "", "missing_order", "The row has no order number."))
                return None
            vin = _vin_checked(feed, cell(row, i_vin), line, optional=True)
            if vin is None:
                return None
            key, vin8 = vin or f"order:{order[:50]}", vin[-8:]
        elif source == "vauto" and not (i_vin >= 0 and row[i_vin].strip()):
            raw8 = cell(row, i_vin8)
            vin8 = vin_normalise(raw8)
            if len(vin8) != 8 or not VIN8_RE.match(vin8):
                feed.invalid_rows += 1
                reason = "missing_vin" if not vin8 else "invalid_vin"
                feed.issues.append(Issue(line, raw8, reason, "No usable VIN or VIN 8."))
                return None
            vin, key = "", f"vin8:{vin8}:{cell(row, i_stock)[:30].upper()}"
        else:
            vin = _vin_checked(feed, row[i_vin].strip(), line)
            if vin is None:
                return None
            key, vin8 = vin, vin[-8:]
        return (
            key,
            vin,
            vin8,
            (store or cell(row, i_store))[:60],
            cell(row, i_stock)[:30],
            year_parse(cell(row, i_year)),
            cell(row, i_make)[:40],
            cell(row, i_model)[:60],
            cell(row, i_trim)[:60],
            cell(row, i_cat)[:20],
            _money_fast(feed, cell(row, i_cost), line),
            _money_fast(feed, cell(row, i_price), line),
            _money_fast(feed, cell(row, i_msrp), line),
            cell(row, i_status)[:40],
            " ".join(row[i].strip() for i in i_extra if row[i].strip())[:120],
            line,
            _raw_line(row),
        )

    return parse
