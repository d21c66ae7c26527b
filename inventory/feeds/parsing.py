"""Parse one source's CSV snapshot into rows ready to write, validating every row first.

Nothing here touches the database: :func:`feed_parse` returns a :class:`ParsedFeed`
(records + issues) or raises :class:`FeedRejected` for a file that cannot be this
source's snapshot at all.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from inventory.feeds.headers import REQUIRED, column_map, wrong_source
from inventory.feeds.vin import vin_check_digit, vin_check_digit_ok, vin_normalise, vin_problem

# The columns written for every record, in this order (see inventory.feeds.writer).
RECORD_FIELDS = (
    "key", "vin", "vin8", "store", "stock_number", "year", "make", "model", "trim",
    "category", "cost", "price", "msrp", "status", "extra", "line_number", "raw_line",
)  # fmt: skip
_MONEY_STRIP = re.compile(r"[\s$,]")
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
    """``35120.00``, ``$35,120.00``, `` 35120 `` -> Decimal; empty -> None; else ValueError."""
    cleaned = _MONEY_STRIP.sub("", text or "")
    if not cleaned:
        return None
    negative = cleaned.startswith("(") and cleaned.endswith(")")
    cleaned = cleaned.strip("()")
    try:
        value = Decimal(cleaned).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValueError(f"not an amount: {text!r}") from None
    if abs(value) >= Decimal("10000000000"):
        raise ValueError(f"amount out of range: {text!r}")
    return -value if negative else value


def year_parse(text: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        year = int(float(text))
    except ValueError:
        return None
    return year if 1900 <= year <= 2100 else None


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
    parse_row = _ROW_PARSERS[source]
    seen: dict[str, int] = {}
    try:
        for line_number, row in enumerate(reader, start=2):
            if not row or not any(cell.strip() for cell in row):
                continue
            feed.rows_read += 1
            record = parse_row(feed, cols, row, line_number, store)
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


def _cell(row: list[str], cols: dict[str, int], name: str) -> str:
    index = cols.get(name)
    if index is None or index >= len(row):
        return ""
    return row[index].strip()


def _raw_line(row: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(row)
    return out.getvalue()[:2000]


def _money(feed, cols, row, name, line_number) -> Decimal | None:
    try:
        return money_parse(_cell(row, cols, name))
    except ValueError as exc:
        feed.warnings += 1
        feed.issues.append(
            Issue(line_number, _cell(row, cols, name)[:200], "invalid_value", str(exc), True)
        )
        return None


def _vin(feed, cols, row, line_number, *, optional=False) -> str | None:
    """The normalised VIN, '' when absent and allowed, or None after recording an issue."""
    raw = _cell(row, cols, "vin")
    vin = vin_normalise(raw)
    problem = vin_problem(vin)
    if problem == "missing":
        if optional:
            return ""
        feed.invalid_rows += 1
        feed.issues.append(Issue(line_number, raw, "missing_vin", "The row has no VIN."))
        return None
    if problem:
        feed.invalid_rows += 1
        feed.issues.append(Issue(line_number, raw[:200], "invalid_vin", f"Invalid VIN: {problem}."))
        return None
    if not vin_check_digit_ok(vin):
        feed.warnings += 1
        feed.issues.append(
            Issue(
                line_number, raw[:200], "check_digit",
                f"Check digit is {vin[8]}, expected {vin_check_digit(vin)}: probably a typo.",
                True,
            )
        )  # fmt: skip
    return vin


def _common(feed, cols, row, line_number, store, key, vin, *, extra="", msrp=None):
    cost = _money(feed, cols, row, "cost", line_number)
    price = _money(feed, cols, row, "price", line_number) if "price" in cols else None
    if msrp is None and "msrp" in cols:
        msrp = _money(feed, cols, row, "msrp", line_number)
    return (
        key,
        vin,
        vin[-8:] if vin else "",
        (store or _cell(row, cols, "store"))[:60],
        _cell(row, cols, "stock_number")[:30],
        year_parse(_cell(row, cols, "year")),
        _cell(row, cols, "make")[:40],
        _cell(row, cols, "model")[:60],
        _cell(row, cols, "trim")[:60],
        _cell(row, cols, "category")[:20],
        cost,
        price,
        msrp,
        _cell(row, cols, "status")[:40],
        extra[:120],
        line_number,
        _raw_line(row),
    )


def _cdk(feed, cols, row, line_number, store):
    vin = _vin(feed, cols, row, line_number)
    if vin is None:
        return None
    return _common(feed, cols, row, line_number, store, vin, vin, extra=_cell(row, cols, "since"))


def _vauto(feed, cols, row, line_number, store):
    if "vin" in cols and _cell(row, cols, "vin"):
        vin = _vin(feed, cols, row, line_number)
        if vin is None:
            return None
        key = vin
    else:
        raw8 = _cell(row, cols, "vin8")
        vin8 = vin_normalise(raw8)
        if len(vin8) != 8 or any(c in "IOQ" or not c.isalnum() for c in vin8):
            feed.invalid_rows += 1
            reason = "missing_vin" if not vin8 else "invalid_vin"
            feed.issues.append(Issue(line_number, raw8, reason, "No usable VIN or VIN 8."))
            return None
        vin = ""
        key = f"vin8:{vin8}:{_cell(row, cols, 'stock_number')[:30].upper()}"
    extra = "; ".join(
        f"{label} {_cell(row, cols, name)}"
        for name, label in (("since", "age"), ("photos", "photos"))
        if _cell(row, cols, name)
    )
    record = _common(feed, cols, row, line_number, store, key, vin, extra=extra)
    if not vin:
        record = record[:2] + (key.split(":")[1],) + record[3:]
    return record


def _lojack(feed, cols, row, line_number, store):
    vin = _vin(feed, cols, row, line_number)
    if vin is None:
        return None
    extra = " ".join(
        p for p in (_cell(row, cols, "device_id"), _cell(row, cols, "last_report")) if p
    )
    return _common(feed, cols, row, line_number, store, vin, vin, extra=extra)


def _oem(feed, cols, row, line_number, store):
    order = _cell(row, cols, "order_number").upper()
    if not order:
        feed.invalid_rows += 1
        feed.issues.append(Issue(line_number, "", "missing_order", "The row has no order number."))
        return None
    vin = _vin(feed, cols, row, line_number, optional=True)
    if vin is None:
        return None
    extra = " ".join(
        p
        for p in (order, _cell(row, cols, "model_code"), _cell(row, cols, "ship"),
                  _cell(row, cols, "eta"))
        if p
    )  # fmt: skip
    key = vin or f"order:{order[:50]}"
    return _common(feed, cols, row, line_number, store, key, vin, extra=extra)


_ROW_PARSERS = {"cdk": _cdk, "vauto": _vauto, "lojack": _lojack, "oem": _oem}
