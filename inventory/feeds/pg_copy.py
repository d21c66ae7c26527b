"""PostgreSQL fast path: ``COPY`` the file as sent, validate and shape every row in SQL.

The same rules as :mod:`inventory.feeds.parsing` (header aliases, VIN normalisation,
17 characters without I/O/Q, North American check digit, ``$35,120.00`` money,
duplicates kept once, OEM orders without VIN, vAuto VIN-8 rows), run as a handful of
set-based statements inside the import's transaction instead of a Python loop:

1. ``COPY`` the bytes into a temporary table of text columns (``RAW``);
2. one ``CREATE TABLE AS SELECT`` shapes every row into the staging table ``TMP``
   (cheap tests first: a VIN that is already 17 clean characters skips the
   normalising regex; the check digit is a weighted sum over the VIN's bytes through a
   constant lookup array; a plain amount skips the ``$35,120.00`` clean-up);
3. duplicates are found with one ``GROUP BY``; one ``INSERT ... SELECT`` writes every
   issue (invalid, missing, duplicate, check digit, unreadable amount) and returns the
   counts; the refused rows leave ``TMP``, which :func:`~inventory.feeds.writer.snapshot_apply`
   then writes.

Returns ``None`` when the file is not plain enough for ``COPY`` (another delimiter,
ragged rows, blank lines, not UTF-8): the caller then uses the Python parser.
"""

import csv
import io

import psycopg
from django.db import DatabaseError, transaction

from inventory.feeds.headers import REQUIRED, column_map, wrong_source
from inventory.feeds.parsing import RECORD_FIELDS, FeedRejected, ParsedFeed
from inventory.feeds.vin import TRANSLITERATION, WEIGHTS
from inventory.feeds.writer import TMP
from inventory.models import FeedIssue

RAW, DUPS = "inv_feed_raw", "inv_feed_dups"
_VIN_OK = "'^[A-HJ-NPR-Z0-9]{17}$'"
_WS = r"E' \t\n\r\013\014'"  # what Python's str.strip() removes (ASCII)
_YEAR_OK = r"'^(19[0-9][0-9]|20[0-9][0-9]|2100)(\.0+)?$'"
# plain or "$35,120.00"-shaped (at most 9 digits before the point): no clean-up needed
_MONEY_FAST = r"'^(-?[0-9]{1,10}|\$?[0-9]{1,3}(,?[0-9]{3}){0,2})(\.[0-9]{1,2})?$'"
_MONEY_PLAIN = r"'^-?[0-9]{1,10}(\.[0-9]+)?$'"
_MONEY_PAREN = r"'^\([0-9]{1,10}(\.[0-9]+)?\)$'"
# byte value -> transliterated VIN value (1-based int array indexed by the byte)
_LOOKUP = "'{" + ",".join(str(TRANSLITERATION.get(chr(b), 0)) for b in range(1, 91)) + "}'::int[]"
_EXTRA = {"cdk": ("since",), "vauto": ("since", "photos"), "lojack": ("device_id", "last_report"),
          "oem": ("order_number", "model_code", "ship", "eta")}  # fmt: skip


def _header(data: bytes) -> list[str] | None:
    first = data[:65536].split(b"\n", 1)[0].rstrip(b"\r")
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if "\t" in text or ";" in text and "," not in text:
        return None
    try:
        return [h.strip() for h in next(csv.reader(io.StringIO(text)), [])]
    except csv.Error:  # e.g. old Mac "\r" line ends: the Python parser copes
        return None


def _line_breaks(data: bytes) -> int:
    """Line breaks as Python's csv reader counts them (``\\r\\n``, ``\\n`` or ``\\r``)."""
    return data.count(b"\n") + data.count(b"\r") - data.count(b"\r\n")


def _money(col: str) -> str:
    """SQL: the amount in a trimmed text column, NULL when empty or unreadable.

    ``35120.00`` takes the fast branch; ``$35,120.00``, `` 35 120 `` and ``(500.00)``
    (negative) are cleaned first; the result is rounded half away from zero to cents and
    must stay under 10^10 (as :func:`inventory.feeds.parsing.money_parse`).
    """
    clean = f"regexp_replace({col}, '[[:space:]$,]', '', 'g')"
    slow = (
        f"(SELECT CASE WHEN abs(v) < 10000000000 THEN v END FROM (SELECT CASE "
        f"WHEN m ~ {_MONEY_PLAIN} THEN round(m::numeric, 2) "
        f"WHEN m ~ {_MONEY_PAREN} THEN -round(btrim(m, '()')::numeric, 2) END AS v "
        f"FROM (SELECT {clean} AS m) a) b)"
    )
    return (
        f"CASE WHEN {col} = '' THEN NULL WHEN {col} ~ {_MONEY_FAST} "
        f"THEN translate({col}, '$,', '')::numeric ELSE {slow} END"
    )


def pg_stage(cursor, *, source: str, data: bytes, store: str, feed_import_id: int):
    """Stage the validated records in ``TMP`` and write the row issues; the counts back.

    Raises :class:`FeedRejected` for a structurally bad file; returns ``None`` to ask for
    the Python parser. Call inside the import's transaction.
    """
    body = memoryview(data)
    if data.startswith(b"\xef\xbb\xbf"):
        body = body[3:]
    if b"\x00" in data[:4096]:
        raise FeedRejected("This is not a CSV file (it contains binary data).")
    headers = _header(bytes(body[:65536]))
    if not headers or len(headers) < 2:
        return None  # one column: blank lines would read as rows; the Python parser skips them
    cols = column_map(source, headers)
    other = wrong_source(source, headers)
    if other:
        raise FeedRejected(
            f"This looks like a {other} file, not {source}: its columns are {', '.join(headers)}."
        )
    if not any(f in cols for f in REQUIRED[source]):
        return None  # let the Python parser word the rejection
    text = data
    if data.endswith((b"\n\n", b"\r\n\r\n", b"\n\r\n")):  # blank lines at the end: COPY refuses
        text = data.rstrip(b"\r\n") + b"\n"
        body = memoryview(text)[len(data) - len(body) :]
    n = len(headers)
    # the duplicate check hashes every key; JIT would compile the long expressions at 1M rows
    cursor.execute("SET LOCAL work_mem = '128MB'")
    cursor.execute("SET LOCAL jit = off")
    cursor.execute(f"DROP TABLE IF EXISTS {RAW}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {RAW} (ln bigint GENERATED ALWAYS AS IDENTITY, "
        + ", ".join(f"c{i} text" for i in range(n))
        + ")"
    )
    try:
        with transaction.atomic():
            names = ", ".join(f"c{i}" for i in range(n))
            sql = (f"COPY {RAW} ({names}) FROM STDIN WITH (FORMAT csv, HEADER true, "
                   f"FORCE_NOT_NULL ({names}))")  # fmt: skip
            with cursor.cursor.copy(sql) as copy:
                copy.write(body)
        if (records := cursor.cursor.rowcount) < 0:
            cursor.execute(f"SELECT count(*) FROM {RAW}")
            records = cursor.fetchone()[0]
    except (DatabaseError, psycopg.Error):  # the raw psycopg cursor raises psycopg's own errors
        return None  # ragged rows, blank lines, bad encoding: the Python parser copes
    # Python's csv reader numbers a record by the physical line it ends on: when no field
    # holds a line break that is the record's ordinal + 1 (the header), else the breaks
    # inside the fields are added up.
    lines = _line_breaks(text) + (0 if text.endswith((b"\n", b"\r")) else 1)
    multiline = lines != records + 1
    return _shape(cursor, source, cols, n, store, feed_import_id, headers, multiline)


def _shaped_rows(source: str, cols: dict[str, int], n: int, store: bool, multiline: bool) -> str:
    """The SELECT producing the staging table from ``RAW`` (see the module docstring)."""

    def cell(name: str) -> str:
        return f"btrim(c{cols[name]}, {_WS})" if name in cols else "''"

    def raw(i: int) -> str:  # the cell as Python's _raw_line writes it back
        return (f"CASE WHEN strpos(c{i}, ',') + strpos(c{i}, '\"') > 0 THEN "
                f"'\"' || replace(c{i}, '\"', '\"\"') || '\"' ELSE c{i} END")  # fmt: skip

    if multiline:  # breaks inside fields: \r\n, \n and \r count one line each
        breaks = " + ".join(
            f"coalesce(length(replace(c{i}, E'\\r\\n', E'\\n')) - "
            f"length(translate(replace(c{i}, E'\\r\\n', E'\\n'), E'\\r\\n', '')), 0)"
            for i in range(n)
        )
        source_rows = (f"(SELECT ln + 1 + sum({breaks}) OVER (ORDER BY ln) AS line, * "
                       f"FROM {RAW} OFFSET 0) r")  # fmt: skip
        line = "line"
    else:
        source_rows, line = RAW, "ln + 1"
    extra = [f"NULLIF({cell(c)}, '')" for c in _EXTRA[source] if c in cols]
    everything = f"concat({', '.join(f'c{i}' for i in range(n))})"
    first = "c" + str(cols["vin"]) if "vin" in cols else None
    blank = (f"(btrim({first}, {_WS}) <> '' OR " if first else "(") + (
        f"{everything} ~ '[^[:space:]]')"
    )
    every = ", ".join(f"c{i}" for i in range(n))
    # most rows have no comma or quote in any cell: one concat_ws writes them back
    raw_line = (f"CASE WHEN concat({every}) !~ '[,\"]' THEN concat_ws(',', {every}) ELSE "
                + " || ',' || ".join(raw(i) for i in range(n)) + " END")  # fmt: skip
    l1 = (
        f"SELECT {line} AS line, {cell('vin')} AS rv, {cell('vin8')} AS rv8, "
        f"upper({cell('order_number')}) AS ord, {cell('stock_number')} AS stock, "
        f"left({'%s' if store else cell('store')}, 60) AS store, {cell('year')} AS year_t, "
        f"left({cell('make')}, 40) AS make, left({cell('model')}, 60) AS model, "
        f"left({cell('trim')}, 60) AS trim, left({cell('category')}, 20) AS category, "
        f"{cell('cost')} AS cost_t, {cell('price')} AS price_t, {cell('msrp')} AS msrp_t, "
        f"left({cell('status')}, 40) AS status, "
        f"left(concat_ws(' ', {', '.join(extra) or 'NULL'}), 120) AS extra, "
        f"left({raw_line}, 2000) AS raw_line "
        f"FROM {source_rows} WHERE {blank}"
    )
    # a VIN already clean skips the normalising regex; b: its bytes when valid
    norm = "upper(regexp_replace(rv, '[[:space:]._-]+', '', 'g'))"
    fast = "(length(rv) = 17 AND rv !~ '[^A-HJ-NPR-Z0-9]')"
    l2 = (
        f"SELECT l1.*, CASE WHEN {fast} THEN rv ELSE {norm} END AS vin, "
        f"CASE WHEN {fast} THEN rv::bytea WHEN {norm} ~ {_VIN_OK} THEN {norm}::bytea END AS b "
        f"FROM ({l1} OFFSET 0) l1"
    )
    terms = " + ".join(f"({_LOOKUP})[get_byte(b, {i})] * {w}" for i, w in enumerate(WEIGHTS) if w)
    l3 = (
        f"SELECT l2.*, CASE WHEN get_byte(b, 0) BETWEEN 49 AND 53 THEN "
        f"mod({terms}, 11) END AS csum FROM ({l2} OFFSET 0) l2"
    )
    vin8 = "upper(regexp_replace(rv8, '[[:space:]._-]+', '', 'g'))"
    if source == "oem":
        verdict = ("CASE WHEN ord = '' THEN 'missing_order' WHEN vin = '' OR b IS NOT NULL "
                   "THEN NULL ELSE 'invalid_vin' END")  # fmt: skip
        key = "CASE WHEN vin <> '' THEN vin ELSE 'order:' || left(ord, 50) END"
        vin8_out = "right(vin, 8)"
    elif source == "vauto":
        verdict = (
            "CASE WHEN rv <> '' THEN CASE WHEN b IS NOT NULL THEN NULL WHEN vin = '' THEN "
            f"'missing_vin' ELSE 'invalid_vin' END WHEN {vin8} = '' THEN 'missing_vin' "
            f"WHEN {vin8} ~ '^[A-HJ-NPR-Z0-9]{{8}}$' THEN NULL ELSE 'invalid_vin' END"
        )
        key = (
            f"CASE WHEN rv <> '' THEN vin ELSE 'vin8:' || {vin8} || ':' "
            "|| upper(left(stock, 30)) END"
        )
        vin8_out = f"CASE WHEN rv <> '' THEN right(vin, 8) ELSE {vin8} END"
    else:
        verdict = ("CASE WHEN b IS NOT NULL THEN NULL WHEN vin = '' THEN 'missing_vin' "
                   "ELSE 'invalid_vin' END")  # fmt: skip
        key = "vin"
        vin8_out = "right(vin, 8)"
    expected = "CASE WHEN csum = 10 THEN 88 ELSE 48 + csum END"
    l4 = (
        f"SELECT l3.*, {verdict} AS verdict, {_money('cost_t')} AS cost, "
        f"{_money('price_t')} AS price, {_money('msrp_t')} AS msrp, "
        f"CASE WHEN year_t ~ {_YEAR_OK} THEN left(year_t, 4)::int END AS year, "
        f"CASE WHEN get_byte(b, 8) <> {expected} THEN chr({expected}) END AS cd "
        f"FROM ({l3} OFFSET 0) l3"
    )
    values = {
        "key": f"CASE WHEN verdict IS NULL THEN {key} END", "vin": "vin",
        "vin8": f"CASE WHEN verdict IS NULL THEN {vin8_out} ELSE '' END", "store": "store",
        "stock_number": "left(stock, 30)", "year": "year", "make": "make", "model": "model",
        "trim": "trim", "category": "category", "cost": "cost", "price": "price",
        "msrp": "msrp", "status": "status", "extra": "extra", "line_number": "line",
        "raw_line": "raw_line",
    }  # fmt: skip
    bad = [f"{m}_t <> '' AND {m} IS NULL" for m in ("cost", "price", "msrp")]
    issue_cols = (
        "verdict, cd, CASE WHEN verdict IS NOT NULL OR cd IS NOT NULL THEN "
        "CASE WHEN rv = '' AND verdict IS NOT NULL THEN rv8 ELSE rv END END AS raw_vin, "
        + ", ".join(
            f"CASE WHEN {b} THEN {m}_t END AS {m}_bad"
            for b, m in zip(bad, ("cost", "price", "msrp"), strict=True)
        )  # fmt: skip
        + (", rv = '' AS via8" if source == "vauto" else ", false AS via8")
        + f", (verdict IS NOT NULL OR cd IS NOT NULL OR {' OR '.join(bad)}) AS has_issue"
    )
    return (
        "SELECT "
        + ", ".join(f"{values[f]} AS {f}" for f in RECORD_FIELDS)
        + f", {issue_cols} FROM ({l4} OFFSET 0) l4"
    )


def _issues_sql(feed_import_id: int) -> str:
    """One INSERT of every row issue; returns (invalid, duplicates, warnings)."""
    issue = FeedIssue._meta.db_table
    not_allowed = (
        "(SELECT string_agg(DISTINCT ch, ' ' ORDER BY ch) FROM regexp_split_to_table("
        "regexp_replace(vin, '[A-HJ-NPR-Z0-9]', '', 'g'), '') ch)"
    )
    verdict_message = (
        "CASE verdict WHEN 'missing_order' THEN 'The row has no order number.' "
        "WHEN 'missing_vin' THEN CASE WHEN via8 THEN 'No usable VIN or VIN 8.' "
        "ELSE 'The row has no VIN.' END "
        "ELSE CASE WHEN via8 THEN 'No usable VIN or VIN 8.' "
        "WHEN length(vin) <> 17 THEN 'Invalid VIN: ' || length(vin) || "
        f"' characters instead of 17.' ELSE 'Invalid VIN: characters not allowed in a VIN: ' "
        f"|| {not_allowed} || '.' END END"
    )
    per_row = (
        f"SELECT line_number AS line, x.* FROM {TMP} t CROSS JOIN LATERAL (VALUES "
        f"(verdict, CASE WHEN verdict = 'missing_order' THEN '' ELSE raw_vin END, "
        f"{verdict_message}, false), "
        "(CASE WHEN verdict IS NULL AND cd IS NOT NULL THEN 'check_digit' END, raw_vin, "
        "'Check digit is ' || substr(vin, 9, 1) || ', expected ' || cd || ': probably a typo.', "
        "true), "
        "(CASE WHEN verdict IS NULL AND cost_bad IS NOT NULL THEN 'invalid_value' END, cost_bad, "
        "'not an amount: ' || cost_bad, true), "
        "(CASE WHEN verdict IS NULL AND price_bad IS NOT NULL THEN 'invalid_value' END, "
        "price_bad, 'not an amount: ' || price_bad, true), "
        "(CASE WHEN verdict IS NULL AND msrp_bad IS NOT NULL THEN 'invalid_value' END, "
        "msrp_bad, 'not an amount: ' || msrp_bad, true)"
        ") x(reason, raw, message, warning) WHERE t.has_issue AND x.reason IS NOT NULL"
    )
    duplicates = (
        f"SELECT t.line_number, CASE WHEN t.key LIKE 'order:%%' THEN 'duplicate_order' "
        "ELSE 'duplicate_vin' END, t.key, 'Already on line ' || d.first_line || '; kept once.', "
        f"false FROM {TMP} t JOIN {DUPS} d ON d.key = t.key AND t.line_number > d.first_line"
    )
    return (
        f"WITH ins AS (INSERT INTO {issue} (feed_import_id, line_number, reason, raw_value, "
        f"message, is_warning) SELECT {int(feed_import_id)}, line, reason, left(raw, 200), "
        f"left(message, 300), warning FROM ({per_row}) p UNION ALL SELECT "
        f"{int(feed_import_id)}, line_number, r, left(k, 200), m, w FROM ({duplicates}) "
        "dd(line_number, r, k, m, w) RETURNING reason, is_warning) "
        "SELECT count(*) FILTER (WHERE NOT is_warning AND reason NOT LIKE 'duplicate%%'), "
        "count(*) FILTER (WHERE reason LIKE 'duplicate%%'), count(*) FILTER (WHERE is_warning) "
        "FROM ins"
    )


def _shape(cursor, source, cols, n, store, feed_import_id, headers, multiline) -> ParsedFeed:
    cursor.execute(f"DROP TABLE IF EXISTS {TMP}")
    cursor.execute(f"DROP TABLE IF EXISTS {DUPS}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {TMP} AS {_shaped_rows(source, cols, n, bool(store), multiline)}",
        [store] if store else None,
    )
    rows_read = cursor.rowcount
    cursor.execute(f"DROP TABLE {RAW}")
    if rows_read == 0:
        raise FeedRejected("The file has a header but no rows: a snapshot cannot be empty.")
    # The same key twice: the first line is kept, the others are duplicates.
    cursor.execute(
        f"CREATE TEMPORARY TABLE {DUPS} AS SELECT key, min(line_number) AS first_line "
        f"FROM {TMP} WHERE key IS NOT NULL GROUP BY key HAVING count(*) > 1"
    )
    has_dups = cursor.rowcount > 0
    cursor.execute(_issues_sql(feed_import_id), [])
    invalid, duplicates, warnings = cursor.fetchone()
    if invalid == rows_read:
        raise FeedRejected(
            f"None of the {rows_read} rows has a usable VIN: is this the right file?"
        )
    if invalid:
        cursor.execute(f"DELETE FROM {TMP} WHERE key IS NULL")
    if has_dups:
        cursor.execute(
            f"DELETE FROM {TMP} t USING {DUPS} d WHERE d.key = t.key "
            "AND t.line_number > d.first_line"
        )
    cursor.execute(f"DROP TABLE {DUPS}")
    feed = ParsedFeed(source=source, headers=headers, rows_read=rows_read, invalid_rows=invalid,
                      duplicates=duplicates, warnings=warnings)  # fmt: skip
    feed.records = rows_read - invalid - duplicates  # a count here: the rows are already staged
    return feed
