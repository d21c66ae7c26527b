"""Parse one source's CSV snapshot into rows ready to write, validating every row first.

Nothing here touches the database: :func:`feed_parse` returns a :class:`ParsedFeed`
(records + issues) or raises :class:`FeedRejected` for a file that cannot be this
source's snapshot at all. The file as text (decoding, refusals of other kinds of file,
delimiter, unclosed quotes) is :mod:`inventory.feeds.text`; the headers,
:mod:`inventory.feeds.headers`; amounts and years, :mod:`inventory.feeds.values`.
"""

import csv
import io
import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from operator import itemgetter

from fleetops.money import CENT
from fleetops.pgbulk import COPY_NULL, copy_field
from fleetops.vin import (
    NORTH_AMERICAN,
    VIN_RE,
    vin_check_digit,
    vin_normalise,
    vin_problem,
)
from inventory.feeds.headers import REQUIRED, column_map, header_names, listed, wrong_source_refusal
from inventory.feeds.text import (
    FeedRejected,
    delimiter_sniff,
    quote_checked,
    text_decode,
    text_lines,
)
from inventory.feeds.values import MONEY_FAST_RE, YEAR_RE, money_parse

# The columns written for every record, in this order (see inventory.feeds.writer).
RECORD_FIELDS = (
    "key", "vin", "vin8", "store", "stock_number", "year", "make", "model", "trim",
    "category", "cost", "price", "msrp", "status", "extra", "line_number", "raw_line",
)  # fmt: skip
_COPY_SPECIAL = re.compile(r"[\\\t\n\r\x00]")
VIN8_RE = re.compile(r"^[A-HJ-NPR-Z0-9]{8}$")
NO_VIN_KEYS = ("order:", "vin8:")  # the keys of records that are not (yet) a vehicle
# the columns kept, joined, in a record's ``extra``
EXTRA_COLUMNS = {
    "cdk": ("since",), "vauto": ("since", "photos"), "lojack": ("device_id", "last_report"),
    "oem": ("order_number", "model_code", "ship", "eta"),
}  # fmt: skip
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
csv.field_size_limit(1_000_000)


def store_key(name: str) -> str:
    """A store name compared case- and space-insensitively: ``Northside  ford`` is
    ``Northside Ford``."""
    return "".join(name.split()).casefold()


def store_names(aliases: Mapping[str, str] | None) -> dict[str, str]:
    """``aliases`` (a name as a source sends it -> the store it means, e.g.
    ``{"C55555": "Northside Ford"}``) keyed by :func:`store_key`, as the parsers look
    names up; blank names and stores are left out."""
    return {
        key: store.strip()
        for name, store in (aliases or {}).items()
        if (key := store_key(name)) and store.strip()
    }


@dataclass
class Issue:
    line_number: int
    raw_value: str
    reason: str
    message: str
    is_warning: bool = False

    def __post_init__(self):
        # PostgreSQL text cannot hold NUL: shown as U+FFFD (an unreadable character), the
        # same on every backend and in the preview
        if "\x00" in self.raw_value or "\x00" in self.message:
            self.raw_value = self.raw_value.replace("\x00", "\ufffd")
            self.message = self.message.replace("\x00", "\ufffd")


@dataclass
class ParsedFeed:
    source: str
    records: list[tuple] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    rows_read: int = 0
    invalid_rows: int = 0
    duplicates: int = 0
    warnings: int = 0
    kept: int = 0  # records kept (also when streamed instead of listed)
    without_vin: int = 0  # of those, OEM orders with no VIN yet and vAuto VIN 8 rows
    headers: list[str] = field(default_factory=list)


@dataclass
class OpenedFeed:
    """A file whose header was checked (:func:`feed_open`), ready to be read row by row
    (:func:`feed_scan`) or a column at a time (:mod:`inventory.feeds.columnar`)."""

    feed: ParsedFeed
    text: str
    delimiter: str
    cols: dict[str, int]
    store: str
    copy: bool
    header_lines: int
    stores: dict[str, str] = field(default_factory=dict)  # store_key(name) -> store

    def row_parser(self, lines):
        """The row parser over ``lines`` (line index -> its text, line end included)."""
        feed = self.feed
        return _row_parser(
            feed.source, self.cols, self.store, feed, lines, self.copy, self.delimiter,
            self.stores,
        )  # fmt: skip


def feed_parse(
    source: str, data: bytes, *, store: str = "", stores: Mapping[str, str] | None = None
) -> ParsedFeed:
    """Validate every row of ``data`` (a CSV file of ``source``) and shape the records."""
    opened = feed_open(source, data, store=store, stores=stores)
    return feed_scan(opened, opened.feed.records.append)


def feed_open(
    source: str, data: bytes, *, store: str = "", copy: bool = False,
    stores: Mapping[str, str] | None = None,
) -> OpenedFeed:  # fmt: skip
    """Check the header of ``data``: the file ready for :func:`feed_scan`.

    Raises :class:`FeedRejected` for a file that cannot be ``source``'s snapshot.
    With ``copy`` each record comes as one line of ``COPY`` text (see
    :func:`_row_parser`): amounts keep their canonical text (``35120.00``, what a numeric
    column reads) instead of a ``Decimal`` built per cell.

    ``stores``: the store aliases that apply to ``source`` (a name as sent -> the store
    it means; ``inventory.selectors.store_aliases``). A row's store cell whose name
    matches one (case- and space-insensitively) is that store's, before the check
    against ``store``; any other name stays as sent.
    """
    text = text_decode(data)
    delimiter = delimiter_sniff(text)
    reader = csv.reader(text_lines(text), delimiter=delimiter)
    start = 0  # the lines before the header's: blank ones, skipped
    try:
        while blank_row(headers := next(reader)):
            start = reader.line_num
    except StopIteration:
        raise FeedRejected("The file is empty.") from None
    except csv.Error as exc:
        raise FeedRejected(f"This is not a readable CSV file: {exc}") from None
    header_lines = list(itertools.islice(text_lines(text), start, reader.line_num))
    quote_checked(header_lines, start + 1, delimiter)
    headers = header_names(headers)
    cols = column_map(source, headers)
    if refusal := wrong_source_refusal(source, headers):
        raise FeedRejected(refusal)
    if not any(f in cols for f in REQUIRED[source]):
        wanted = " or ".join(_COLUMN_NAMES.get(f, f) for f in REQUIRED[source])
        raise FeedRejected(
            f"No {wanted} column: found {', '.join(headers) or 'no headers'}. "
            "Is this the right file for this source?"
        )
    feed = ParsedFeed(source=source, headers=headers)
    return OpenedFeed(
        feed, text, delimiter, cols, store, copy, reader.line_num, store_names(stores)
    )


def blank_row(row: list[str]) -> bool:
    """A row of nothing but empty or blank cells: skipped, not counted as read."""
    first = row[0] if row else ""
    return (not first or first.isspace()) and (not any(row) or not "".join(row).strip())


def duplicate_issue(key: str, line: int, first_line: int) -> Issue:
    """Line ``line`` repeats the record ``key`` of ``first_line``; the issue's raw value is
    the key as the file gives it (an order number, a VIN 8 and stock number), not ours."""
    message = f"Already on line {first_line}; kept once."
    if key.startswith("order:"):
        return Issue(line, key.removeprefix("order:"), "duplicate_order", message)
    if key.startswith("vin8:"):
        _, vin8, stock = key.split(":", 2)
        return Issue(line, f"VIN 8 {vin8}, stock {stock}", "duplicate_vin", message)
    return Issue(line, key, "duplicate_vin", message)


def feed_scan(opened: OpenedFeed, emit: Callable[[tuple], object]) -> ParsedFeed:
    """Every row of the opened file validated; each record kept passed to ``emit`` as it is
    read.

    The first row of a key is kept, the later ones are duplicates. Raises
    :class:`FeedRejected` when the CSV breaks (a quoted field never closed included), has
    no rows, or no row has a usable key.
    """
    feed = opened.feed
    # The file's physical lines (line ends kept, split where the csv reader splits them):
    # a record's text as sent is the lines it was read from.
    lines = io.StringIO(opened.text, newline="").readlines()
    reader = csv.reader(lines, delimiter=opened.delimiter)
    parse_row = opened.row_parser(lines)
    seen: dict[str, int] = {}
    issues = feed.issues
    rows_read = duplicates = 0
    for _ in reader:  # the header (and blank lines before it), checked by feed_open
        if reader.line_num >= opened.header_lines:
            break
    start = end = reader.line_num  # where the previous record ended
    try:
        for row in reader:
            start, end = end, reader.line_num
            if blank_row(row):
                continue
            line_number = end
            rows_read += 1
            record = parse_row(row, line_number, start)
            if record is None:
                continue
            key = record[0]
            if key in seen:
                duplicates += 1
                issues.append(duplicate_issue(key, line_number, seen[key]))
                continue
            seen[key] = line_number
            emit(record)
        quote_checked(lines[start:end], start + 1, opened.delimiter)  # the last record
    except csv.Error as exc:
        raise FeedRejected(f"The CSV is malformed near line {reader.line_num}: {exc}") from None
    finally:
        feed.rows_read += rows_read
        feed.duplicates += duplicates
    feed.kept = len(seen)
    if feed.source in ("oem", "vauto"):  # their keys without a VIN: order:…, vin8:…
        feed.without_vin = sum(1 for key in seen if key.startswith(NO_VIN_KEYS))
    return feed_checked(feed)


# the required columns as a refusal names them
_COLUMN_NAMES = {"vin": "VIN", "vin8": "VIN 8", "order_number": "order number"}


def feed_checked(feed: ParsedFeed) -> ParsedFeed:
    """``feed`` once every row was read; :class:`FeedRejected` when no row was usable."""
    if feed.rows_read == 0:
        raise FeedRejected("The file has a header but no rows: a snapshot cannot be empty.")
    if not feed.kept:
        others = [i.raw_value for i in feed.issues if i.reason == "other_store"]
        if len(others) == feed.rows_read:  # a store given, and every row another store's
            names = listed(sorted(set(others)), 5)
            raise FeedRejected(
                f"None of the {feed.rows_read} rows is this store's: they name {names}. "
                "Import the file for the whole group (no store), or as that store's."
            )
        usable = "order number (and a valid VIN or none)" if feed.source == "oem" else "VIN"
        raise FeedRejected(
            f"None of the {feed.rows_read} rows has a usable {usable}: is this the right file?"
        )
    return feed


def _vin_checked(feed: ParsedFeed, raw: str, line: int, *, optional: bool = False):
    """The normalised VIN, '' when absent and allowed, or None after recording an issue."""
    vin = raw.upper()
    if (len(vin) == 17 and VIN_RE.match(vin) and raw.isascii()) or (
        len(vin := vin_normalise(raw)) == 17 and VIN_RE.match(vin)
    ):
        if vin[0] in NORTH_AMERICAN and vin[8] != (expected := vin_check_digit(vin)):
            feed.warnings += 1
            feed.issues.append(
                Issue(line, raw[:200], "check_digit",
                      f"Check digit is {vin[8]}, expected {expected}: probably a typo.", True)
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


def _vin8_issue(line: int, raw: str, vin8: str) -> Issue:
    """A vAuto row with no VIN and no usable VIN 8 (``vin8``: its cell normalised), saying
    what is wrong with it as an invalid VIN's issue does."""
    if not vin8:
        return Issue(line, raw, "missing_vin", "The row has no VIN or VIN 8.")
    problem = f"{len(vin8)} characters instead of 8"
    if len(vin8) == 8:  # the length is right: some characters are not
        bad = sorted({c for c in vin8 if not ("A" <= c <= "Z" or "0" <= c <= "9") or c in "IOQ"})
        problem = "characters not allowed in a VIN: " + " ".join(bad)
    return Issue(line, raw[:200], "invalid_vin", f"Invalid VIN 8: {problem}.")


def _money_reader(feed: ParsedFeed, decimals: bool, cols: dict[str, int]):
    """``(text, line, field) -> amount | None``: a Decimal, or its canonical text when not
    ``decimals``; a warning naming the file's column when ``text`` is not an amount."""
    fast, issues = MONEY_FAST_RE.fullmatch, feed.issues

    def money(text: str, line: int, name: str):
        if not text:
            return None
        if fast(text):  # at most 2 decimals and 10 digits: exact in numeric(12, 2)
            if "$" in text or "," in text:
                text = text.replace("$", "").replace(",", "")
            return Decimal(text).quantize(CENT) if decimals else text
        try:
            value = money_parse(text)
        except ValueError as exc:
            feed.warnings += 1
            message = f"{feed.headers[cols[name]]}: {exc}"
            issues.append(Issue(line, text[:200], "invalid_value", message, True))
            return None
        return value if decimals or value is None else str(value)

    return money


def _row_parser(
    source: str, cols: dict[str, int], store: str, feed: ParsedFeed, lines: list[str],
    copy: bool = False, delimiter: str = ",", stores: dict[str, str] | None = None,
):  # fmt: skip
    """A function ``(row, line, start) -> record | None`` for this file's columns: ``row``
    read from ``lines[start:line]`` (its raw text, kept as sent without its line end).

    ``stores`` (:func:`store_names`): the store cell's name, when it is one of them, is
    replaced by the store it means before anything else reads it (``raw_line`` keeps it
    as sent).

    With ``copy``, a record is ``(key, line)`` instead, ``line`` being the record as one
    line of ``COPY``'s text format (the ``RECORD_FIELDS``): what
    :mod:`inventory.feeds.pg_stream` sends without another conversion per value.

    Built for speed (a million rows go through it): each cell is stripped once, the
    optional columns are picked with one ``itemgetter`` (a missing column reads the empty
    cell appended at the end), clean VINs and plain amounts take the fast paths.
    """
    width = max(cols.values()) + 1

    def col(name):
        return cols.get(name, -1)

    i_vin, i_vin8, i_order, i_store = col("vin"), col("vin8"), col("order_number"), col("store")
    pick = itemgetter(col("stock_number"), col("year"), col("make"), col("model"), col("trim"),
                      col("category"), col("cost"), col("price"), col("msrp"),
                      col("status"))  # fmt: skip
    i_extra = [cols[n] for n in EXTRA_COLUMNS[source] if n in cols]
    if len(i_extra) == 1:
        only = i_extra[0]

        def extra_of(cells):
            return cells[only][:120]
    else:

        def extra_of(cells):
            return " ".join([cells[i] for i in i_extra if cells[i]])[:120]

    money = _money_reader(feed, not copy, cols)
    n_headers = len(feed.headers)
    delimiter_name = _DELIMITER_NAMES.get(delimiter, "delimiter")
    own_store = store_key(store)
    year_ok = YEAR_RE.fullmatch
    issues = feed.issues
    special = _COPY_SPECIAL.search
    vin_ok, north, check = VIN_RE.match, NORTH_AMERICAN, vin_check_digit
    store_field = copy_field(store[:60])
    aliases = stores or {}
    renamed: dict[str, str] = {}  # each store cell met -> its alias's store, or ""
    orders: dict[str, int] = {}  # OEM: each order number -> the line it was first kept on
    order_vins: set[str] = set()  # OEM: the VINs of those orders

    def parse(row: list[str], line: int, start: int):
        if len(row) > n_headers and any(map(str.strip, row[n_headers:])):
            # more cells than headers: the cells after an unquoted delimiter moved over
            feed.invalid_rows += 1
            filled = len(row) - next(i for i, c in enumerate(reversed(row)) if c.strip())
            raw = lines[start] if line - start == 1 else "".join(lines[start:line])
            issues.append(Issue(line, raw.rstrip("\r\n")[:200], "extra_cells",
                                f"{filled} cells under a {n_headers}-column header: "
                                f"an unquoted {delimiter_name}?"))  # fmt: skip
            return None
        if len(row) < width:
            row = row + [""] * (width - len(row))
        cells = list(map(str.strip, row))
        cells.append("")  # what a missing column (index -1) reads
        sent = st = cells[i_store]
        if sent and aliases:
            if (name := renamed.get(sent)) is None:
                name = aliases.get(store_key(sent), "")
                name = renamed[sent] = "" if name == sent else name
            st = name or sent
        if store and st and store_key(st) != own_store:
            feed.invalid_rows += 1
            whose = f"{st}'s" if st is sent else f"{st}'s (sent as {sent})"
            issues.append(Issue(line, sent[:200], "other_store",
                                f"The row is {whose}, not {store}'s: this file was "
                                f"imported as {store}'s snapshot."))  # fmt: skip
            return None
        if source == "oem":
            order = cells[i_order].upper()
            if not order:
                feed.invalid_rows += 1
                issues.append(Issue(line, "", "missing_order", "The row has no order number."))
                return None
            vin = _vin_checked(feed, cells[i_vin], line, optional=True)
            if vin is None:
                return None
            # One order is one allocation: sent again (with a VIN, without, or another
            # VIN) it is a duplicate of its first line, as a VIN sent twice is.
            if (first := orders.get(order)) is not None:
                feed.duplicates += 1
                issues.append(duplicate_issue(f"order:{order[:50]}", line, first))
                return None
            # Another order's VIN is a duplicate VIN (feed_scan reports it): that row is
            # not kept and claims no order number, as a row with an invalid VIN does not.
            if not vin or vin not in order_vins:
                orders[order] = line
                order_vins.add(vin)
            key, vin8 = vin or f"order:{order[:50]}", vin[-8:]
        elif source == "vauto" and not cells[i_vin]:
            raw8 = cells[i_vin8]
            vin8 = vin_normalise(raw8)
            if len(vin8) != 8 or not VIN8_RE.match(vin8):
                feed.invalid_rows += 1
                issues.append(_vin8_issue(line, raw8, vin8))
                return None
            vin, key = "", f"vin8:{vin8}:{cells[col('stock_number')][:30].upper()}"
        else:
            vin = cells[i_vin]
            if len(vin) == 17 and vin_ok(vin) and (vin[0] not in north or vin[8] == check(vin)):
                pass  # already clean and right: the common case, no call
            elif (vin := _vin_checked(feed, vin, line)) is None:
                return None
            key, vin8 = vin, vin[-8:]
        stock, year, make, model, trim, cat, cost, price, msrp, status = pick(cells)
        raw = lines[start] if line - start == 1 else "".join(lines[start:line])
        raw = raw.rstrip("\r\n")
        if not copy:
            if len(year) == 4 and year.isdigit() and "1900" <= year <= "2100":
                year = int(year)
            else:
                year = int(year[:4]) if year and year_ok(year) else None
            record = (key, vin, vin8, (store or st)[:60], stock[:30], year, make[:40],
                      model[:60], trim[:60], cat[:20], money(cost, line, "cost"),
                      money(price, line, "price"), money(msrp, line, "msrp"), status[:40],
                      extra_of(cells), line, raw[:2000])  # fmt: skip
            if "\x00" in raw:  # dropped, as COPY text drops it (PostgreSQL text has none)
                record = tuple(v.replace("\x00", "") if type(v) is str else v for v in record)
            return record
        # COPY text: the year as digits, amounts as canonical text, NULL as \N
        if not (len(year) == 4 and year.isdigit() and "1900" <= year <= "2100"):
            year = year[:4] if year and year_ok(year) else COPY_NULL
        cost = money(cost, line, "cost") or COPY_NULL if cost else COPY_NULL
        price = money(price, line, "price") or COPY_NULL if price else COPY_NULL
        msrp = money(msrp, line, "msrp") or COPY_NULL if msrp else COPY_NULL
        if special(raw):  # a backslash, tab, line break or NUL in a cell: escaped for COPY
            key, vin8, stock, make, model, trim, cat, status, extra, raw_f = (
                copy_field(f)
                for f in (key, vin8, stock[:30], make[:40], model[:60], trim[:60], cat[:20],
                          status[:40], extra_of(cells), raw[:2000])
            )  # fmt: skip
            return key, (
                f"{key}\t{vin}\t{vin8}\t"
                f"{store_field if store else copy_field(st[:60])}\t{stock}\t{year}\t{make}\t"
                f"{model}\t{trim}\t{cat}\t{cost}\t{price}\t{msrp}\t{status}\t{extra}\t{line}\t"
                f"{raw_f}\n"
            )  # fmt: skip
        if store:
            st = store_field
        elif st is sent:
            st = st[:60]
        else:  # an alias's store, typed in the admin: ``raw`` says nothing of its text
            st = copy_field(st[:60])
        return key, (
            f"{key}\t{vin}\t{vin8}\t{st}\t"
            f"{stock[:30]}\t{year}\t{make[:40]}\t{model[:60]}\t{trim[:60]}\t{cat[:20]}\t"
            f"{cost}\t{price}\t{msrp}\t{status[:40]}\t{extra_of(cells)}\t{line}\t{raw[:2000]}\n"
        )  # fmt: skip

    return parse
