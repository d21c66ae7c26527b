"""The feed parser a column at a time: the records of :mod:`inventory.feeds.parsing`, as
``COPY`` text, computed with polars instead of a Python call per row.

The row parser spends about 9 µs of Python on each row; at a million rows that is most
of an import. Here the same rules run as column expressions in polars' compiled engine,
and only the rows that need the row parser's judgement go through it:

- **Which files.** One whose every line is a whole CSV record on its own: each field
  plain or quoted RFC 4180 style (``"a ""b"", c"``), no line break inside a quoted field,
  no lone ``\\r`` line end, no field past the csv module's size limit. On such lines the
  csv module and polars' reader split alike. Any other file (a quoted line break, a stray
  quote) goes through the row parser whole, as before (:func:`copy_text` returns False).
- **Which rows.** A line is taken a column at a time when it is printable ASCII without
  a backslash (nothing COPY would escape, nothing ``str.strip`` and polars trim
  differently) and its values take the row parser's fast paths: a clean 17-character VIN
  with a right check digit (or an OEM order with no VIN yet, or a vAuto ``VIN 8``), plain
  or ``$35,120.00`` amounts. Every other line (a blank one, a messy or invalid VIN, an
  amount that gets a warning, a cell in another alphabet) goes to the row parser itself,
  which records its issues exactly as it always has.
- **Duplicates** are found over all rows in file order, across the chunks the file is
  read in: the first line of a key is kept, the later ones are reported against it.

``tests/inventory/test_columnar.py`` checks the records, counts and issues against the
row parser's on generated and hand-made files.

polars' thread pool does not survive ``fork``: a process that has read a file here must
not fork children that read one too (they would hang). The processes that import feeds
never fork: gunicorn and django-q2 fork their workers from a master or a sentinel that
serves no request and runs no task (and never loads polars:
:mod:`~inventory.feeds.pg_stream` imports this module when a feed is imported).
"""

import csv
import io
import re
from collections.abc import Callable

import polars as pl

from fleetops.pgbulk import COPY_NULL, copy_field
from fleetops.vin import CHECK_WEIGHTS, NORTH_AMERICAN, VIN_RE
from inventory.feeds.parsing import (
    EXTRA_COLUMNS,
    MONEY_FAST_RE,
    RECORD_FIELDS,
    VIN8_RE,
    YEAR_RE,
    OpenedFeed,
    ParsedFeed,
    blank_row,
    duplicate_issue,
    feed_checked,
    feed_scan,
)

_BATCH = 2000  # records per write on the row parser's path
_CHUNK = 50_000  # lines per step of the columnar path: PostgreSQL writes one as the next is read


def copy_text(opened: OpenedFeed, write: Callable[[bytes], object]) -> bool:
    """Every record kept from ``opened`` (``feed_open(..., copy=True)``) passed to ``write``
    as ``COPY`` text (UTF-8), a batch at a time, in file order; ``opened.feed`` counts what was
    read. Raises :class:`~inventory.feeds.parsing.FeedRejected` as the row parser does.

    A column at a time when the file allows it (see the module docstring; returns True),
    else through the row parser (False). Either way batches go out while the next rows
    are read.
    """
    lines = _record_lines(opened)
    if lines is None:
        _copy_by_rows(opened, write)
        return False
    feed = opened.feed
    seen = pl.DataFrame(schema={"key": pl.String, "first": pl.UInt32})
    for start in range(1, lines.len(), _CHUNK):  # line 0 is the header
        chunk = pl.DataFrame({"line": lines.slice(start, _CHUNK)}).with_row_index("idx", start)
        fast = _fast_records(_cells(chunk, opened), opened)
        feed.rows_read += fast.height
        slow = _row_records(chunk.join(fast, on="idx", how="anti"), opened)
        records = pl.concat([fast, slow]).sort("idx")
        kept, seen = _first_of_each_key(records, seen, feed)
        if kept.height:
            out = io.BytesIO()  # each value is COPY text already: written as it is
            kept.write_csv(out, include_header=False, separator="\t", quote_style="never")
            write(out.getvalue())
    feed.kept = seen.height
    feed.issues.sort(key=lambda issue: issue.line_number)  # stable: a line's own issues first
    feed_checked(feed)
    return True


def _copy_by_rows(opened: OpenedFeed, write: Callable[[bytes], object]) -> None:
    batch: list[str] = []
    keep = batch.append

    def emit(record: tuple[str, str]) -> None:
        keep(record[1])
        if len(batch) >= _BATCH:
            write("".join(batch).encode())
            batch.clear()

    feed_scan(opened, emit)
    write("".join(batch).encode())


def _full(pattern: re.Pattern) -> str:
    """A Python ``fullmatch`` pattern as a polars (Rust) regex over the whole value."""
    return f"^(?:{pattern.pattern.removeprefix('^').removesuffix('$')})$"


def _record_pattern(delimiter: str) -> str:
    """A line that is one whole CSV record: plain fields (no quote) or quoted ones."""
    d = re.escape(delimiter)
    field = rf'(?:[^"{d}\n]*|"(?:[^"]|"")*")'
    return rf"^{field}(?:{d}{field})*$"


def _record_lines(opened: OpenedFeed) -> pl.Series | None:
    """The file's lines (line ends dropped) when each is one whole CSV record, else None."""
    text = opened.text
    if opened.header_lines != 1:
        return None
    lines = pl.Series(text.split("\n"), dtype=pl.String).str.strip_suffix("\r")
    if text.endswith("\n"):
        lines = lines.head(-1)
    if lines.str.contains("\r", literal=True).any():
        return None  # a lone \r ends a line for the csv module, not for polars
    if lines.str.len_bytes().max() > csv.field_size_limit():
        return None  # the csv module refuses the file: the row parser says so
    if not lines.str.contains(_record_pattern(opened.delimiter)).all():
        return None
    return lines


def _cells(chunk: pl.DataFrame, opened: OpenedFeed) -> pl.DataFrame:
    """The ``chunk``'s lines that may take the fast path, with their cells (``c<i>``, the
    columns the source reads, stripped): printable ASCII (and the delimiter) without a
    backslash, holding something besides blanks, quotes and delimiters."""
    delimiter = opened.delimiter
    tab = "\t" if delimiter == "\t" else ""
    plain = pl.col("line").str.contains(rf"^[\x20-\x5b\x5d-\x7e{tab}]*$")
    filled = pl.col("line").str.contains(rf"[^\s\"{re.escape(delimiter)}]")
    rows = chunk.filter(plain & filled)
    used = sorted(set(opened.cols.values()))
    cells = pl.read_csv(
        rows["line"].str.join("\n").item().encode(), has_header=False, separator=delimiter,
        quote_char='"', truncate_ragged_lines=True, raise_if_empty=False, columns=used,
        missing_columns="insert", extra_columns="ignore",
        schema={f"c{i}": pl.String for i in range(max(used) + 1)},
    )  # fmt: skip
    if cells.height != rows.height:  # cannot be, each line being one record: never guess
        raise RuntimeError("The columnar reader lost track of the rows: nothing was imported.")
    return pl.concat([rows, cells], how="horizontal").with_columns(
        pl.col(f"c{i}").fill_null("").str.strip_chars() for i in used
    )


def _fast_records(rows: pl.DataFrame, opened: OpenedFeed) -> pl.DataFrame:
    """``idx`` and the record (``RECORD_FIELDS``, each as COPY text, exactly as the row
    parser writes it) of the ``rows`` (``idx``, ``line`` and the stripped cells) that take
    the fast path."""
    source, cols, store = opened.feed.source, opened.cols, opened.store

    def cell(name: str) -> pl.Expr:
        return pl.col(f"c{cols[name]}") if name in cols else pl.lit("")

    def field(expr: pl.Expr, size: int | None = None) -> pl.Expr:
        expr = expr if size is None else expr.str.slice(0, size)
        if opened.delimiter == "\t":  # COPY's text format escapes the tab
            return expr.str.replace_all("\t", "\\t", literal=True)
        return expr

    vin = cell("vin")
    vin_right = pl.col("vin_right") if "vin" in cols else pl.lit(False)
    if "vin" in cols:
        rows = rows.with_columns(vin_right=_vin_right(rows[f"c{cols['vin']}"]))
    if source == "oem":
        order = cell("order_number").str.to_uppercase()
        key = pl.when(vin == "").then(pl.lit("order:") + order.str.slice(0, 50)).otherwise(vin)
        fast = (order != "") & ((vin == "") | vin_right)
        vin8 = vin.str.slice(-8)
    elif source == "vauto":
        by_vin8, vin8_cell = vin == "", cell("vin8")
        stock = cell("stock_number").str.slice(0, 30).str.to_uppercase()
        key = pl.when(by_vin8).then(pl.format("vin8:{}:{}", vin8_cell, stock)).otherwise(vin)
        fast = pl.when(by_vin8).then(vin8_cell.str.contains(VIN8_RE.pattern)).otherwise(vin_right)
        vin8 = pl.when(by_vin8).then(vin8_cell).otherwise(vin.str.slice(-8))
    else:
        key, fast, vin8 = vin, vin_right, vin.str.slice(-8)
    amounts = [cell(name) for name in ("cost", "price", "msrp")]
    money_right = ((amount == "") | amount.str.contains(_full(MONEY_FAST_RE)) for amount in amounts)
    rows = rows.filter(pl.all_horizontal(fast, *money_right))
    extra = [cell(name) for name in EXTRA_COLUMNS[source] if name in cols]
    if len(extra) == 1:
        extra_text = extra[0]
    elif extra:
        kept = pl.concat_list(extra).list.eval(pl.element().filter(pl.element() != ""))
        extra_text = kept.list.join(" ")
    else:
        extra_text = pl.lit("")
    year = cell("year")  # what YEAR_RE matches starts with the year's 4 digits
    year = pl.when(year.str.contains(_full(YEAR_RE))).then(year.str.slice(0, 4))
    year = year.otherwise(pl.lit(COPY_NULL))
    store_text = pl.lit(copy_field(store[:60])) if store else field(cell("store"), 60)
    values = [
        field(key), vin, vin8, store_text, field(cell("stock_number"), 30), year,
        field(cell("make"), 40), field(cell("model"), 60), field(cell("trim"), 60),
        field(cell("category"), 20), *map(_amount, amounts), field(cell("status"), 40),
        field(extra_text, 120), (pl.col("idx") + 1).cast(pl.String),
        field(pl.col("line"), 2000),
    ]  # fmt: skip
    return rows.select(
        "idx", *(value.alias(name) for name, value in zip(RECORD_FIELDS, values, strict=True))
    )


def _amount(text: pl.Expr) -> pl.Expr:
    """An amount the fast path takes (``MONEY_FAST_RE``) as COPY text; ``\\N`` if empty."""
    return pl.when(text == "").then(pl.lit(COPY_NULL)).otherwise(text.str.replace_all(r"[$,]", ""))


def _vin_right(vins: pl.Series) -> pl.Series:
    """Whether each of ``vins`` is a clean 17-character VIN whose check digit is right (or
    that is not North American).

    Integer arithmetic over the column instead of 17 substrings: the VIN read in base 36
    (two numbers under 2^64, 9 and 8 characters) gives each character's base-36 digit
    ``d``: 0-9 for a digit, 10 for A ... 35 for Z. Its ISO 3779 value (A-H 1-8, J-N 1-5,
    P 7, R 9, S-Z 2-9; I, O, Q are not allowed) is ``d`` less 9 from A, 9 more from J
    and 8 more from S.
    """
    head, tail = (
        vins.str.slice(start, size).str.to_integer(base=36, strict=False).cast(pl.UInt64)
        for start, size in ((0, 9), (9, 8))
    )
    digits = pl.DataFrame({
        f"d{i}": ((head if i < 9 else tail) // 36 ** ((8 if i < 9 else 16) - i) % 36).cast(pl.Int32)
        for i, weight in enumerate(CHECK_WEIGHTS) if weight
    })  # fmt: skip

    def value(i: int) -> pl.Expr:  # the ISO 3779 value of the character at position i
        d = pl.col(f"d{i}")
        return d - 9 * (d >= 10) - 9 * (d >= 19) - 8 * (d >= 28)

    total = digits.select(
        pl.sum_horizontal(weight * value(i) for i, weight in enumerate(CHECK_WEIGHTS) if weight)
    ).to_series()
    rest = total % 11
    digit = pl.select(pl.when(rest == 10).then(pl.lit("X")).otherwise(rest.cast(pl.String)))
    north = vins.str.slice(0, 1).is_in(sorted(NORTH_AMERICAN))
    right = vins.str.slice(8, 1) == digit.to_series()
    return vins.str.contains(VIN_RE.pattern) & (~north | right)


def _row_records(lines: pl.DataFrame, opened: OpenedFeed) -> pl.DataFrame:
    """``lines`` (``idx``, ``line``) through the row parser: ``idx`` and the fields of its
    records (as :func:`_fast_records`), its issues and counts added to the feed."""
    by_index = dict(lines.iter_rows())
    parse = opened.row_parser(by_index)
    kept: dict[str, list] = {"idx": [], "text": []}
    rows_read = 0
    for index, line in by_index.items():
        row = next(csv.reader([line], delimiter=opened.delimiter), [])
        if blank_row(row):
            continue
        rows_read += 1
        record = parse(row, index + 1, index)
        if record is not None:
            kept["idx"].append(index)
            kept["text"].append(record[1].removesuffix("\n"))
    opened.feed.rows_read += rows_read
    records = pl.DataFrame(kept, schema={"idx": pl.UInt32, "text": pl.String})
    # a tab in a value is escaped in COPY text: each tab separates two fields
    fields = pl.col("text").str.split_exact("\t", len(RECORD_FIELDS) - 1)
    fields = fields.struct.rename_fields(list(RECORD_FIELDS))
    return records.select("idx", fields).unnest("text")


def _first_of_each_key(records: pl.DataFrame, seen: pl.DataFrame, feed: ParsedFeed):
    """The ``records`` (in file order) whose key is new: neither in ``seen`` (the keys of
    the chunks before, with their first line index) nor earlier in ``records``. The others
    are reported as duplicates of the key's first line. ``(fields of the new, seen)``."""
    # "first" is set on the keys seen before; the rows stay in file order
    records = records.join(seen, on="key", how="left", maintain_order="left")
    new = records.filter(pl.col("first").is_null() & pl.col("key").is_first_distinct())
    seen = pl.concat([seen, new.select("key", first="idx")])
    again = records.join(new, on="idx", how="anti")
    if again.height:
        again = again.drop("first").join(seen, on="key").sort("idx")
        for idx, key, first in again.select("idx", "key", "first").iter_rows():
            feed.issues.append(duplicate_issue(key, idx + 1, first + 1))
        feed.duplicates += again.height
    return new.select(list(RECORD_FIELDS)), seen
