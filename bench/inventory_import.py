"""The feed-import measures of ``bench_inventory`` (see its docstring): the import of a
first load next to a raw COPY of the same file, the parser alone, the write alone, and
the plain django-import-export path. Imported once Django is set up."""

import os
import statistics
import time
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from django.db import connection, transaction
from import_export import fields, resources
from import_export.formats.base_formats import CSV

from fleetops.vin import vin_normalise
from inventory.feeds import columnar
from inventory.feeds.parsing import RECORD_FIELDS, ParsedFeed, feed_open
from inventory.models import (
    DirtyVin,
    FeedIssue,
    InventoryException,
    ProbableMatch,
    ReconciliationRun,
    SourceRecord,
    Vehicle,
)
from inventory.services import feed_import

IE_ROWS = int(os.environ.get("BENCH_IE_ROWS", "3000"))


class PlainCdkResource(resources.ModelResource):
    """The default django-import-export path for a CDK CSV: one lookup and one save per row."""

    key = fields.Field(attribute="key", column_name="VIN")
    vin = fields.Field(attribute="vin", column_name="VIN")
    stock_number = fields.Field(attribute="stock_number", column_name="Stock No")
    year = fields.Field(attribute="year", column_name="Year")
    make = fields.Field(attribute="make", column_name="Make")
    model = fields.Field(attribute="model", column_name="Model")
    store = fields.Field(attribute="store", column_name="Store")

    class Meta:
        model = SourceRecord
        import_id_fields = ("key",)
        fields = ("key", "vin", "stock_number", "year", "make", "model", "store")

    def before_import_row(self, row, **kwargs):
        row["VIN"] = vin_normalise(row.get("VIN"))
        row["Year"] = row.get("Year") or None

    def get_queryset(self):
        return SourceRecord.objects.filter(source="cdk")

    def before_save_instance(self, instance, row, **kwargs):
        instance.source = "cdk"


def reset() -> None:
    with connection.cursor() as cursor:
        for model in (InventoryException, ProbableMatch, FeedIssue, SourceRecord, Vehicle,
                      ReconciliationRun, DirtyVin):  # fmt: skip
            cursor.execute(f"TRUNCATE {model._meta.db_table} CASCADE")


def raw_copy_rows_per_s(path: Path) -> tuple[float, int]:
    """The ceiling: the same bytes COPYed into a bare table of text columns."""
    data = path.read_bytes()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE bench_bare (vin text, stock text, year text, make text, "
            "model text, trim text, new_used text, cost text, price text, entry text, "
            "store text) ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY bench_bare FROM STDIN WITH (FORMAT csv, HEADER true)") as c:
            c.write(data)
        cursor.execute("SELECT COUNT(*) FROM bench_bare")
        rows = cursor.fetchone()[0]
    return rows / (time.perf_counter() - started), rows


def import_export_rows_per_s(path: Path) -> float:
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    sample = "".join(lines[: IE_ROWS + 1])
    dataset = CSV().create_dataset(sample)
    started = time.perf_counter()
    with transaction.atomic():
        result = PlainCdkResource().import_data(dataset, dry_run=False, raise_errors=False)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)  # leave the real snapshot alone
    assert not result.has_errors(), result.base_errors[:1]
    return (len(lines) - 1 if len(lines) - 1 < IE_ROWS else IE_ROWS) / elapsed


def parse_alone(path: Path) -> tuple[float, list[bytes], ParsedFeed]:
    """The parsing share of the import: the parser validating and shaping the same file into
    COPY lines, with no database. Returns rows/s, the COPY text it made (in the chunks it
    wrote) and the parsed feed (counts and issues)."""
    data = path.read_bytes()
    texts: list[bytes] = []
    started = time.perf_counter()
    opened = feed_open("cdk", data, copy=True)
    columnar.copy_text(opened, texts.append)
    return opened.feed.rows_read / (time.perf_counter() - started), texts, opened.feed


@contextmanager
def parser_replayed(texts: list[bytes], parsed: ParsedFeed):
    """Inside, ``feed_import`` does all it does but parse: the columnar parser is replaced
    by the COPY text and feed it made of the same file (:func:`parse_alone`), written in
    the same chunks. What the import then takes is what it costs besides parsing (run row,
    locks, the COPY into the table, index builds, statistics, issues, audit, commit,
    alerts): the most any parser, however fast, could bring the import to."""

    def replay(opened, write) -> bool:
        for text in texts:
            write(text)
        opened.feed = parsed
        return True

    with mock.patch.object(columnar, "copy_text", replay):
        yield


def write_alone_rows_per_s(text: bytes) -> float:
    """PostgreSQL's share of the import: the records the parser made of the same file
    (``text``, from :func:`parse_alone`) COPYed into an index-less copy of the snapshot
    table, the import's constants as column defaults, as a first load writes them."""
    rows = text.count(b"\n")
    table = SourceRecord._meta.db_table
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE bench_records (LIKE {table} INCLUDING DEFAULTS INCLUDING "
            "IDENTITY) ON COMMIT DROP"
        )
        cursor.execute(
            "ALTER TABLE bench_records ALTER COLUMN source SET DEFAULT 'cdk', ALTER COLUMN "
            "first_seen_at SET DEFAULT now(), ALTER COLUMN last_seen_at SET DEFAULT now()"
        )
        sql = f"COPY bench_records ({', '.join(RECORD_FIELDS)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            copy.write(text)
    return rows / (time.perf_counter() - started)


def _first_load_rate(path: Path) -> float:
    """Rows/s of ``feed_import`` of ``path`` into an emptied snapshot."""
    reset()
    started = time.perf_counter()
    run = feed_import(source="cdk", path=path)
    assert run.status == "succeeded", run.error
    return run.rows_read / (time.perf_counter() - started)


def first_load_rows_per_s(path: Path, reps: int) -> dict[str, float]:
    """Median rows/s of ``feed_import`` into an empty snapshot, of the same import with
    its parsing replayed (:func:`parser_replayed`), of the raw COPY, of the parser alone
    and of the write alone, interleaved."""
    rates: dict[str, list[float]] = {
        "import": [], "parse_free": [], "copy": [], "parse": [], "write": []
    }  # fmt: skip
    for _ in range(reps):
        reset()
        copy_rate, rows = raw_copy_rows_per_s(path)
        rates["copy"].append(copy_rate)
        parse_rate, texts, parsed = parse_alone(path)
        rates["parse"].append(parse_rate)
        rates["write"].append(write_alone_rows_per_s(b"".join(texts)))
        rates["import"].append(_first_load_rate(path))
        with parser_replayed(texts, parsed):
            rates["parse_free"].append(_first_load_rate(path))
    print("  first load cdk rows/s " + ", ".join(
        f"{name} {[round(r) for r in values]}" for name, values in rates.items()
    ), flush=True)  # fmt: skip
    return {"rows": rows, **{name: statistics.median(v) for name, v in rates.items()}}


def import_figures(rates: dict[str, float], ie_rate: float) -> dict:
    """The import's figures against raw COPY and import-export, and the same import with
    its parsing replayed (``import_parse_free_vs_copy``): the most a faster parser could
    bring ``import_vs_copy`` to on this machine."""
    return {
        "import_rows_per_s": round(rates["import"]),
        "raw_copy_rows_per_s": round(rates["copy"]),
        "import_parse_free_rows_per_s": round(rates["parse_free"]),
        "parse_alone_rows_per_s": round(rates["parse"]),
        "write_alone_rows_per_s": round(rates["write"]),
        "import_export_rows_per_s": round(ie_rate, 1),
        "import_vs_copy": round(rates["import"] / rates["copy"], 3),
        "import_parse_free_vs_copy": round(rates["parse_free"] / rates["copy"], 3),
        "import_vs_import_export": round(rates["import"] / ie_rate, 1),
    }
