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
  a backslash (nothing COPY would escape), no cell starts or ends with a blank (nothing
  to strip), and its values take the row parser's fast paths: a clean 17-character VIN
  with a right check digit (or an OEM order with no VIN yet, or a vAuto ``VIN 8``), plain
  or ``$35,120.00`` amounts, nothing but empty cells past the header's columns, and (a
  store given) an empty store cell or that store's name (as sent, or through a store
  alias: see :func:`_stores`). Every other line (a blank one,
  a padded cell, a messy or invalid VIN, an amount that gets a warning, a cell in
  another alphabet, more cells than headers, another store's row) goes to the row
  parser itself, which records its issues exactly as it always has.
- **Duplicates** are found over all rows in file order, across the chunks the file is
  read in: the first line of a key is kept, the later ones are reported against it.
- **OEM files** go through the row parser whole: an order number is a second key (an
  order sent again with a VIN is a duplicate too), and the files are small (a few
  thousand allocations at 41,000 vehicles).

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
from fleetops.vin import CHARACTER_VALUES, CHECK_WEIGHTS, NORTH_AMERICAN, VIN_RE
from inventory.feeds.parsing import (
    EXTRA_COLUMNS,
    NO_VIN_KEYS,
    RECORD_FIELDS,
    VIN8_RE,
    OpenedFeed,
    ParsedFeed,
    blank_row,
    duplicate_issue,
    feed_checked,
    feed_scan,
    store_key,
)
from inventory.feeds.values import MONEY_FAST_RE, YEAR_RE

_BATCH = 2000  # records per write on the row parser's path
# lines per step of the columnar path: PostgreSQL writes one as the next is read; the
# first step is short, for PostgreSQL (the slower of the two) to start early
_FIRST_CHUNK, _CHUNK = 5_000, 50_000


def copy_text(opened: OpenedFeed, write: Callable[[bytes], object]) -> bool:
    """Every record kept from ``opened`` (``feed_open(..., copy=True)``) passed to ``write``
    as ``COPY`` text (UTF-8), a batch at a time, in file order; ``opened.feed`` counts what was
    read. Raises :class:`~inventory.feeds.parsing.FeedRejected` as the row parser does.

    A column at a time when the file allows it (see the module docstring; returns True),
    else through the row parser (False). Either way batches go out while the next rows
    are read.
    """
    lines = None if opened.feed.source == "oem" else _record_lines(opened)
    if lines is None:
        _copy_by_rows(opened, write)
        return False
    feed = opened.feed
    seen = pl.DataFrame(schema={"key": pl.String, "first": pl.UInt32})
    start, size = 1, _FIRST_CHUNK  # line 0 is the header
    while start < lines.len():
        chunk = pl.DataFrame({"line": lines.slice(start, size)}).with_row_index("idx", start)
        start, size = start + size, _CHUNK
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
    no_vin = pl.any_horizontal(pl.col("key").str.starts_with(prefix) for prefix in NO_VIN_KEYS)
    feed.without_vin = seen.filter(no_vin).height  # vAuto's VIN 8 rows
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


def _field(d: str) -> str:
    """A field of a line that is one whole CSV record (``d``: the delimiter, escaped)."""
    return rf'(?:[^"{d}\n]*|"(?:[^"]|"")*")'


def _record_pattern(delimiter: str) -> str:
    """A line that is one whole CSV record: plain fields (no quote) or quoted ones."""
    d = re.escape(delimiter)
    return rf"^{_field(d)}(?:{d}{_field(d)})*$"


def _extra_cells_pattern(delimiter: str, headers: int) -> str:
    """A line (one whole CSV record) holding something after its first ``headers`` cells:
    more cells than the header, which the row parser refuses. Empty cells there (``,,``
    or ``,""``: trailing delimiters) do not match (blank ones do: a blank cell is not
    for the fast path anyway)."""
    d = re.escape(delimiter)
    filled = rf'(?:[^"{d}]|"[^"]|""[^{d}])'  # a cell's start that is not an empty cell
    return rf'^(?:{_field(d)}{d}){{{headers}}}(?:(?:"")?{d})*{filled}'


def _record_lines(opened: OpenedFeed) -> pl.Series | None:
    """The file's lines (line ends dropped) when each is one whole CSV record, else None."""
    text = opened.text
    if opened.header_lines != 1 or "\x00" in text:
        return None
    data = text.encode()
    # polars splits the lines (and drops \r of \r\n) faster than str.split: with no quote
    # character and NUL as the separator, which the text does not hold, a line is one cell
    lines = pl.read_csv(
        data, has_header=False, separator="\x00", quote_char=None, schema={"line": pl.String}
    )["line"].fill_null("")  # an empty line reads as null
    if lines.len() != data.count(b"\n") + (not data.endswith(b"\n")):
        return None  # one value per line, or the reader is not trusted with this file
    if lines.str.contains("\r", literal=True).any():
        return None  # a lone \r ends a line for the csv module, not for polars
    if lines.str.len_bytes().max() > csv.field_size_limit():
        return None  # the csv module refuses the file: the row parser says so
    quoted = lines.filter(lines.str.contains('"', literal=True))  # lines without: plain cells
    if not quoted.str.contains(_record_pattern(opened.delimiter)).all():
        return None
    return lines


def _cells(chunk: pl.DataFrame, opened: OpenedFeed) -> pl.DataFrame:
    """The ``chunk``'s lines that may take the fast path, with their cells (``c<i>``, the
    columns the source reads): printable ASCII (and the delimiter) without a backslash,
    no cell starting or ending with a space (their cells need no stripping), nothing
    but empty cells past the header's columns, holding something besides blanks, quotes
    and delimiters."""
    d = re.escape(opened.delimiter)
    tab = "\t" if opened.delimiter == "\t" else ""
    # one search for any of it: a character outside the set, blank at a cell's edge, or
    # a filled cell past the header's (one pass: as cheap as the first two alone)
    edge = rf'(?:^|{d})(?: |"\s)|(?: |\s")(?:{d}|$)'
    extra = _extra_cells_pattern(opened.delimiter, len(opened.feed.headers))
    odd = pl.col("line").str.contains(rf"[^\x20-\x5b\x5d-\x7e{tab}]|{edge}|{extra}")
    filled = pl.col("line").str.contains(rf'[^\s"{d}]')
    rows = chunk.filter(~odd & filled)
    used = sorted(set(opened.cols.values()))
    cells = pl.read_csv(
        rows["line"].str.join("\n").item().encode(), has_header=False, separator=opened.delimiter,
        quote_char='"', truncate_ragged_lines=True, raise_if_empty=False, columns=used,
        missing_columns="insert", extra_columns="ignore",
        schema={f"c{i}": pl.String for i in range(max(used) + 1)},
    )  # fmt: skip
    if cells.height != rows.height:  # cannot be, each line being one record: never guess
        raise RuntimeError("The columnar reader lost track of the rows: nothing was imported.")
    return pl.concat([rows, cells], how="horizontal").with_columns(
        pl.col(f"c{i}").fill_null("") for i in used
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
    own_store, store_text = pl.lit(True), field(cell("store"), 60)
    if "store" in cols and (store or opened.stores):
        own_store, store_text = _stores(rows[f"c{cols['store']}"], opened, store_text)
    if store:
        store_text = pl.lit(copy_field(store[:60]))
    rows = rows.filter(pl.all_horizontal(fast, *money_right, own_store))
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


def _stores(cells: pl.Series, opened: OpenedFeed, as_sent: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """``(own store, store text)`` of the rows whose store cells are ``cells``: whether each
    row may be the given store's (its cell empty, or naming that store, as sent or through
    an alias), and its store as COPY text (an alias's store, else ``as_sent``).

    Each distinct name is looked up once (a file names a handful of stores): its
    :func:`store_key` computed by column expressions (the cells here are printable ASCII,
    where ``casefold`` is ``lower``), an alias's store and whether that is the given
    store decided in Python for each alias (a few rows), so the rows themselves only go
    through two hash lookups.
    """
    cell = pl.col(cells.name)
    names = cells.unique().to_frame("name").filter(pl.col("name") != "")
    names = names.with_columns(key=pl.col("name").str.replace_all(r"\s", "").str.to_lowercase())
    store = pl.lit(None, dtype=pl.String)
    if opened.stores:
        store = pl.col("key").replace_strict(opened.stores, default=None, return_dtype=pl.String)
    # an alias giving the name as sent changes nothing: as if there were none
    names = names.with_columns(store=pl.when(store != pl.col("name")).then(store))
    renamed = names.filter(pl.col("store").is_not_null())
    store_text = as_sent
    if renamed.height:
        texts = [copy_field(name[:60]) for name in renamed["store"]]
        store_text = cell.replace_strict(
            renamed["name"], texts, default=as_sent, return_dtype=pl.String
        )
    if not opened.store:
        return pl.lit(True), store_text
    own_key = store_key(opened.store)
    own = [name for name in set(renamed["store"]) if store_key(name) == own_key]
    own = pl.col("store").is_in(own) | (pl.col("store").is_null() & (pl.col("key") == own_key))
    own_names = names.filter(own)["name"]
    return (cell == "") | cell.is_in(own_names.implode()), store_text


def _amount(text: pl.Expr) -> pl.Expr:
    """An amount the fast path takes (``MONEY_FAST_RE``) as COPY text; ``\\N`` if empty."""
    return pl.when(text == "").then(pl.lit(COPY_NULL)).otherwise(text.str.replace_all(r"[$,]", ""))


def _vin_right(vins: pl.Series) -> pl.Series:
    """Whether each of ``vins`` is a clean 17-character VIN whose check digit is right (or
    that is not North American).

    Computed on the VINs' bytes: each VIN read as an array of 17 bytes, each byte mapped
    to its ISO 3779 value (:data:`_VALUES`), the values weighted and summed per VIN.
    """
    shaped = vins.str.contains(VIN_RE.pattern)
    # the others get a stand-in of the same length: the byte arrays need 17 bytes each
    vins = pl.select(pl.when(shaped).then(vins).otherwise(pl.lit("0" * 17))).to_series()
    codes = vins.cast(pl.Binary).bin.reinterpret(dtype=pl.Array(pl.UInt8, 17))
    values = _VALUES.gather(codes.explode()).reshape((-1, 17))
    rest = (values * _WEIGHTS).arr.sum() % 11
    digit = pl.select(pl.when(rest == 10).then(ord("X")).otherwise(rest + ord("0"))).to_series()
    north = codes.arr.get(0).is_in(_NORTH_AMERICAN)
    return shaped & (~north | (codes.arr.get(8) == digit))


# the ISO 3779 value of each byte (of the characters a VIN may hold; 0 for the others)
_VALUES = pl.Series([CHARACTER_VALUES.get(chr(b), 0) for b in range(256)], dtype=pl.Int32)
_WEIGHTS = pl.Series([CHECK_WEIGHTS], dtype=pl.Array(pl.Int32, len(CHECK_WEIGHTS)))
_NORTH_AMERICAN = pl.Series(sorted(map(ord, NORTH_AMERICAN)), dtype=pl.UInt8).implode()


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
    keys = records.select("idx", "key")
    # an inner join hashes the smaller side, the chunk: a left join would hash all of seen
    before = keys.join(seen, on="key", how="inner")["idx"]
    new = keys["key"].is_first_distinct() & ~keys["idx"].is_in(before.implode())
    kept = records.filter(new)
    seen = pl.concat([seen, kept.select("key", first="idx")])
    again = keys.filter(~new)
    if again.height:
        again = again.join(seen, on="key").sort("idx")
        for idx, key, first in again.iter_rows():
            feed.issues.append(duplicate_issue(key, idx + 1, first + 1))
        feed.duplicates += again.height
    return kept.select(list(RECORD_FIELDS)), seen
