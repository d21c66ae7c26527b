"""PostgreSQL fast path: ``COPY`` the file as sent, validate and shape every row in SQL.

The same rules as :mod:`inventory.feeds.parsing` (header aliases, VIN normalisation,
17 characters without I/O/Q, North American check digit, ``$35,120.00`` money,
duplicates kept once, OEM orders without VIN, vAuto VIN-8 rows), run as a handful
of set-based statements inside the import's transaction instead of a Python loop.
Returns ``None`` when the file is not plain enough for ``COPY`` (another delimiter,
ragged rows, blank lines, not UTF-8): the caller then uses the Python parser.
"""

import csv
import io

import psycopg
from django.db import DatabaseError, transaction

from inventory.feeds.headers import REQUIRED, column_map, wrong_source
from inventory.feeds.parsing import RECORD_FIELDS, FeedRejected, ParsedFeed
from inventory.feeds.writer import TMP, stage_create, stage_finish
from inventory.models import FeedIssue

RAW, NORM, CHECKED, DUPS = "inv_feed_raw", "inv_feed_norm", "inv_feed_checked", "inv_feed_dups"
_LETTERS, _DIGITS = "ABCDEFGHJKLMNPRSTUVWXYZ", "12345678123457923456789"
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
_VIN_OK = "'^[A-HJ-NPR-Z0-9]{17}$'"
_MONEY_OK = r"'^\(?-?[0-9]{1,10}(\.[0-9]+)?\)?$'"


def _header(data: bytes) -> list[str] | None:
    first = data.split(b"\n", 1)[0].rstrip(b"\r")
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


def _clean(col: str) -> str:
    return f"regexp_replace({col}, '[[:space:]$,]', '', 'g')"


def _money(clean: str) -> str:
    """SQL: the amount in an already cleaned column, NULL when unreadable."""
    return (
        f"CASE WHEN {clean} ~ {_MONEY_OK} THEN round((CASE WHEN {clean} LIKE '(%%' "
        f"THEN '-' || trim(both '()' from {clean}) ELSE {clean} END)::numeric, 2) END"
    )


def pg_stage(cursor, *, source: str, data: bytes, store: str, feed_import_id: int):
    """Stage the validated records in ``TMP`` and write the row issues; the counts back.

    Raises :class:`FeedRejected` for a structurally bad file; returns ``None`` to ask for
    the Python parser. Call inside the import's transaction.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if b"\x00" in data[:4096]:
        raise FeedRejected("This is not a CSV file (it contains binary data).")
    headers = _header(data)
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
    n = len(headers)
    cursor.execute(f"DROP TABLE IF EXISTS {RAW}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {RAW} (ln bigint GENERATED ALWAYS AS IDENTITY, "
        + ", ".join(f"c{i} text" for i in range(n))
        + ")"
    )
    try:
        with transaction.atomic():
            names = ", ".join(f"c{i}" for i in range(n))
            sql = f"COPY {RAW} ({names}) FROM STDIN WITH (FORMAT csv, HEADER true)"
            with cursor.cursor.copy(sql) as copy:
                copy.write(data)
    except (DatabaseError, psycopg.Error):  # the raw psycopg cursor raises psycopg's own errors
        return None  # ragged rows, blank lines, bad encoding: the Python parser copes
    return _shape(cursor, source, cols, n, store, feed_import_id, headers)


def _shape(cursor, source, cols, n, store, feed_import_id, headers) -> ParsedFeed:
    def cell(name: str) -> str:
        return f"btrim(coalesce(c{cols[name]}, ''))" if name in cols else "''"

    raw_vin = cell("vin")
    vin = f"upper(regexp_replace({raw_vin}, '[[:space:]._-]+', '', 'g'))"
    extra_cols = {"cdk": ("since",), "vauto": ("since", "photos"),
                  "lojack": ("device_id", "last_report"),
                  "oem": ("order_number", "model_code", "ship", "eta")}[source]  # fmt: skip
    extra = (
        "concat_ws(' ', "
        + ", ".join([f"NULLIF({cell(c)}, '')" for c in extra_cols if c in cols] or ["NULL"])
        + ")"
    )
    store_sql = "%s" if store else cell("store")
    order = f"upper({cell('order_number')})" if source == "oem" else "''"
    vin8 = f"upper(regexp_replace({cell('vin8')}, '[[:space:]._-]+', '', 'g'))"
    cursor.execute(f"DROP TABLE IF EXISTS {NORM}")
    cursor.execute(f"DROP TABLE IF EXISTS {CHECKED}")
    cursor.execute(f"DROP TABLE IF EXISTS {DUPS}")
    norm = (
        f"SELECT ln + 1 AS line, {raw_vin} AS raw_vin, "
        f"{vin} AS vin, {order} AS ord, {vin8} AS vin8, {cell('stock_number')} AS stock, "
        f"left({store_sql}, 60) AS store, {cell('year')} AS year, {cell('make')} AS make, "
        f"{cell('model')} AS model, {cell('trim')} AS trim, {cell('category')} AS category, "
        f"{cell('cost')} AS cost, {cell('price')} AS price, {cell('msrp')} AS msrp, "
        f"{_clean(cell('cost'))} AS cost_c, {_clean(cell('price'))} AS price_c, "
        f"{_clean(cell('msrp'))} AS msrp_c, "
        f"{cell('status')} AS status, {extra} AS extra, "
        f"left(concat_ws(',', {', '.join(f'c{i}' for i in range(n))}), 2000) AS raw_line "
        f"FROM {RAW}"
    )
    # verdict: 'ok', or the reason the row is refused; key: the natural key of ok rows
    if source == "oem":
        verdict = (f"CASE WHEN ord = '' THEN 'missing_order' WHEN vin <> '' AND vin !~ {_VIN_OK} "
                   "THEN 'invalid_vin' ELSE 'ok' END")  # fmt: skip
        key = "CASE WHEN vin <> '' THEN vin ELSE 'order:' || left(ord, 50) END"
    elif source == "vauto":
        verdict = (f"CASE WHEN vin <> '' THEN CASE WHEN vin ~ {_VIN_OK} THEN 'ok' ELSE "
                   "'invalid_vin' END WHEN vin8 = '' THEN 'missing_vin' "
                   "WHEN vin8 ~ '^[A-HJ-NPR-Z0-9]{8}$' THEN 'ok' "
                   "ELSE 'invalid_vin' END")  # fmt: skip
        key = (
            "CASE WHEN vin <> '' THEN vin ELSE 'vin8:' || vin8 || ':' || upper(left(stock, 30)) END"
        )
    else:
        verdict = (f"CASE WHEN vin = '' THEN 'missing_vin' WHEN vin ~ {_VIN_OK} THEN 'ok' "
                   "ELSE 'invalid_vin' END")  # fmt: skip
        key = "vin"
    terms = " + ".join(
        f"substr(x.t, {i}, 1)::int * {w}" for i, w in enumerate(_WEIGHTS, start=1) if w
    )
    na = "left(x.vin, 1) IN ('1', '2', '3', '4', '5')"
    cursor.execute(
        f"CREATE TEMPORARY TABLE {CHECKED} AS "
        f"SELECT y.*, CASE WHEN y.verdict = 'ok' THEN {key} END AS key FROM ("
        f"SELECT x.*, {verdict} AS verdict, CASE WHEN x.vin ~ {_VIN_OK} AND {na} "
        f"THEN mod({terms}, 11) END AS csum FROM ("
        f"SELECT n.*, translate(n.vin, '{_LETTERS}', '{_DIGITS}') AS t FROM ({norm}) n "
        "OFFSET 0) x) y",  # OFFSET 0: t is computed once per row, not inlined 16 times
        [store] if store else [],
    )
    # The same key twice: the first line is kept, the others are duplicates.
    cursor.execute(
        f"CREATE TEMPORARY TABLE {DUPS} AS SELECT key, min(line) AS first_line FROM {CHECKED} "
        "WHERE key IS NOT NULL GROUP BY key HAVING count(*) > 1"
    )
    cursor.execute(f"ALTER TABLE {CHECKED} ADD COLUMN first_line bigint")
    cursor.execute(
        f"UPDATE {CHECKED} c SET first_line = d.first_line FROM {DUPS} d WHERE d.key = c.key"
    )
    cursor.execute(f"ALTER TABLE {CHECKED} RENAME TO {NORM}")
    cursor.execute(f"DROP TABLE {DUPS}")
    issue = FeedIssue._meta.db_table
    insert = (f"INSERT INTO {issue} (feed_import_id, line_number, raw_value, reason, message, "
              f"is_warning) SELECT {int(feed_import_id)}, line, ")  # fmt: skip
    cursor.execute(
        insert + "left(CASE WHEN verdict = 'missing_order' THEN '' WHEN raw_vin = '' THEN "
        "vin8 ELSE raw_vin END, 200), verdict, CASE verdict "
        "WHEN 'missing_order' THEN 'The row has no order number.' "
        "WHEN 'missing_vin' THEN 'The row has no VIN.' "
        "WHEN 'invalid_vin' THEN CASE WHEN vin = '' THEN 'No usable VIN or VIN 8.' "
        "WHEN length(vin) <> 17 THEN 'Invalid VIN: ' || length(vin) || "
        "' characters instead of 17.' ELSE 'Invalid VIN: characters not allowed in a VIN: ' "
        "|| regexp_replace(vin, '[A-HJ-NPR-Z0-9]', '', 'g') || '.' END END, false "
        f"FROM {NORM} WHERE verdict <> 'ok'"
    )
    expected = "CASE WHEN csum = 10 THEN 'X' ELSE csum::text END"
    cursor.execute(
        insert + "left(raw_vin, 200), 'check_digit', 'Check digit is ' || substr(vin, 9, 1) || "
        f"', expected ' || {expected} || ': probably a typo.', true FROM {NORM} "
        f"WHERE verdict = 'ok' AND csum IS NOT NULL AND substr(vin, 9, 1) <> {expected}"
    )
    for money in ("cost", "price", "msrp"):
        cursor.execute(
            insert + f"left({money}, 200), 'invalid_value', 'not an amount: ' || {money}, true "
            f"FROM {NORM} WHERE verdict = 'ok' AND {money}_c <> '' AND {money}_c !~ {_MONEY_OK}"
        )
    cursor.execute(
        insert + "key, CASE WHEN key LIKE 'order:%%' THEN 'duplicate_order' "
        "ELSE 'duplicate_vin' END, 'Already on line ' || first_line || '; kept once.', false "
        f"FROM {NORM} WHERE first_line IS NOT NULL AND line > first_line"
    )
    cursor.execute(
        f"SELECT count(*), count(*) FILTER (WHERE verdict <> 'ok'), "
        "count(*) FILTER (WHERE first_line IS NOT NULL AND line > first_line) "
        f"FROM {NORM}"
    )
    rows_read, invalid, duplicates = cursor.fetchone()
    cursor.execute(
        f"SELECT count(*) FROM {issue} WHERE feed_import_id = %s AND is_warning",
        [feed_import_id],
    )
    warnings = cursor.fetchone()[0]
    if rows_read == 0:
        raise FeedRejected("The file has a header but no rows: a snapshot cannot be empty.")
    if invalid == rows_read:
        raise FeedRejected(
            f"None of the {rows_read} rows has a usable VIN: is this the right file?"
        )
    stage_create(cursor)
    year = ("CASE WHEN year ~ '^[0-9]{4}(\\.0+)?$' THEN CASE WHEN year::numeric "
            "BETWEEN 1900 AND 2100 THEN year::numeric::int END END")  # fmt: skip
    values = {
        "key": "key", "vin": "vin", "vin8": "CASE WHEN vin <> '' THEN right(vin, 8) ELSE vin8 END",
        "store": "store", "stock_number": "left(stock, 30)", "year": year,
        "make": "left(make, 40)", "model": "left(model, 60)", "trim": "left(trim, 60)",
        "category": "left(category, 20)", "cost": _money("cost_c"),
        "price": _money("price_c"), "msrp": _money("msrp_c"), "status": "left(status, 40)",
        "extra": "left(extra, 120)",
        "line_number": "line", "raw_line": "raw_line",
    }  # fmt: skip
    cursor.execute(
        f"INSERT INTO {TMP} ({', '.join(RECORD_FIELDS)}) SELECT "
        + ", ".join(values[f] for f in RECORD_FIELDS)
        + f" FROM {NORM} WHERE verdict = 'ok' AND (first_line IS NULL OR line = first_line)"
    )
    vehicles = cursor.rowcount
    stage_finish(cursor)
    for table in (RAW, NORM):
        cursor.execute(f"DROP TABLE {table}")
    feed = ParsedFeed(source=source, headers=headers, rows_read=rows_read, invalid_rows=invalid,
                      duplicates=duplicates, warnings=warnings)  # fmt: skip
    feed.records = vehicles  # a count here: the rows are already staged
    return feed
