"""The PostgreSQL path (parser streaming into COPY) stores what the Python parser reads."""

import pytest
from django.db import connection

from inventory.feeds.parsing import RECORD_FIELDS, feed_parse
from inventory.models import DirtyVin, FeedIssue, SourceRecord
from inventory.services import feed_import
from tests.inventory.factories import csv_bytes, make_vin
from tests.inventory.pgstats import histogram_sizes, statistics_target

pytestmark = pytest.mark.django_db

FIELDS = ("key", "vin", "vin8", "store", "stock_number", "year", "make", "cost", "price",
          "line_number")  # fmt: skip


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("the COPY path exists on PostgreSQL only")


def test_copy_path_matches_the_python_parser_on_a_messy_file():
    good, other = make_vin(), make_vin("1C4")
    wrong_check = good[:8] + ("0" if good[8] != "0" else "1") + good[9:]
    data = csv_bytes(
        ["Stock #", "VIN", "Year", "Make", "Price", "Cost", "Dealer"],
        [
            ["A1", good.lower(), "2024", "Ford", "$35,120.00", "30000", "North"],
            ["A2", f" {other[:3]}-{other[3:]} ", "2023.0", "Jeep", "(1,000.00)", "", "South"],
            ["A3", good, "1800", "Ford", "abc", "1", "North"],
            ["A4", "1M8GDM9AXKO042788", "", "", "", "", ""],
            ["A5", "", "", "", "", "", ""],
            ["A6", "SHORT", "", "", "", "", ""],
            ["A7", wrong_check.replace(wrong_check[:1], "W", 1), "", "", "", "", ""],
            ["A8", wrong_check, "", "", "", "", "Here"],
        ],
        bom=True, crlf=True,
    )  # fmt: skip
    expected = feed_parse("vauto", data)
    run = feed_import(source="vauto", data=data)
    assert (run.rows_read, run.vehicles, run.invalid_rows, run.duplicates, run.warnings) == (
        expected.rows_read, len(expected.records), expected.invalid_rows, expected.duplicates,
        expected.warnings,
    )  # fmt: skip
    python_rows = sorted(
        tuple(dict(zip(RECORD_FIELDS, r, strict=True))[f] for f in FIELDS) for r in expected.records
    )
    copy_rows = sorted(SourceRecord.objects.filter(source="vauto").values_list(*FIELDS))
    assert copy_rows == python_rows
    issues = sorted(FeedIssue.objects.filter(feed_import=run).values_list(
        "line_number", "reason", "is_warning"))  # fmt: skip
    assert issues == sorted((i.line_number, i.reason, i.is_warning) for i in expected.issues)


def _same_as_python(source: str, data: bytes):
    """Import ``data`` through the COPY path; assert the Python parser's rows and issues."""
    expected = feed_parse(source, data)
    run = feed_import(source=source, data=data)
    assert run.status == "succeeded", run.error
    assert (run.rows_read, run.vehicles, run.invalid_rows, run.duplicates, run.warnings) == (
        expected.rows_read, len(expected.records), expected.invalid_rows, expected.duplicates,
        expected.warnings,
    )  # fmt: skip
    python_rows = sorted(
        tuple(dict(zip(RECORD_FIELDS, r, strict=True))[f] for f in (*FIELDS, "raw_line"))
        for r in expected.records
    )
    copy_rows = sorted(SourceRecord.objects.filter(source=source).values_list(*FIELDS, "raw_line"))
    assert copy_rows == python_rows
    issues = sorted(FeedIssue.objects.filter(feed_import=run).values_list(
        "line_number", "reason", "raw_value", "is_warning"))  # fmt: skip
    assert issues == sorted(
        (i.line_number, i.reason, i.raw_value, i.is_warning) for i in expected.issues
    )
    return run, issues


@pytest.mark.parametrize("crlf", [False, True])
def test_line_numbers_count_quoted_multi_line_fields_like_the_python_parser(crlf):
    """A quoted field holding line breaks: issues carry the line the CSV record ends on."""
    good, other = make_vin(), make_vin("2T1")
    data = csv_bytes(
        ["VIN", "Stock No", "Year", "Make", "Model", "Cost", "List Price", "Store"],
        [
            [good, "A1", "2024", "Ford", "F-150\nSuperCrew\n4x4", "30000", "$41,000.00", "N"],
            ["BAD", "A2", "2024", "Ford", "Ranger", "", "", "N"],
            [other, "A3", "2023", "Toyota", 'Camry "SE",\r\nnote', "x1", "", "S"],
            [good, "A4", "2024", "Ford", "F-150", "", "", "N"],
            ["", "A5", "", "", "", "", "", ""],
        ],
        crlf=crlf,
    )  # fmt: skip
    run, issues = _same_as_python("cdk", data)
    # By hand: header line 1; record 1 spans lines 2-4; "BAD" on line 5; record 3 on 6-7
    # (its bad cost is a warning there); the duplicate of record 1 on line 8; no VIN on 9.
    assert [(line, reason) for line, reason, _, _ in issues] == [
        (5, "invalid_vin"), (7, "invalid_value"), (8, "duplicate_vin"), (9, "missing_vin")
    ]  # fmt: skip
    assert SourceRecord.objects.get(source="cdk", key=other).line_number == 7


def test_copy_path_matches_the_python_parser_on_money_years_and_blank_rows():
    vins = [make_vin() for _ in range(6)]
    data = csv_bytes(
        ["VIN", "Stock No", "Year", "Make", "Cost", "List Price", "Store"],
        [
            [vins[0], "S1", "2024.0", "Ford", " $1,234,567.5 ", "10.005", "N"],
            [vins[1], "S2", "2024.5", "Ford", "(500.00)", "-7", "N"],
            ["  ", "", "", "", "", "", ""],
            [vins[2], "S3", "1899", "Ford", "1e5", "9999999999.999", "N"],
            [vins[3], "S4", "2100", "Ford", "12,34", "(-5)", "N"],
            [f" {vins[4].lower()} ", "S5", " 2020 ", "Ford", "$ 35 120.00", "+5", "N"],
            [vins[5].replace(vins[5][3], "-", 1), "S6", "", "", "", "", ""],
        ],
    )  # fmt: skip
    _same_as_python("cdk", data)


def test_cells_with_backslashes_tabs_and_line_breaks_are_stored_as_sent():
    """COPY's text format gives backslash, tab and line breaks a meaning: escaped on the way."""
    vins = [make_vin() for _ in range(3)]
    data = csv_bytes(
        ["VIN", "Stock No", "Make", "Model", "Store"],
        [
            [vins[0], "A\\1", "Ford\\", "F-150\tXL", "North\\South"],
            [vins[1], "B2", "Jeep", "Wrangler\r\nRubicon", "\\N"],
            [vins[2], "C3", "Ram", "1500", "East"],
        ],
    )  # fmt: skip
    _same_as_python("cdk", data)
    assert SourceRecord.objects.get(key=vins[1]).store == "\\N"  # text, not a NULL
    assert SourceRecord.objects.get(key=vins[0]).model == "F-150\tXL"


def test_a_file_breaking_after_rows_were_sent_writes_nothing_and_keeps_the_indexes():
    """First load: rows stream into the table (its indexes dropped) before the CSV breaks
    on a field past the csv module's size limit: the run is rejected, nothing is kept, and
    the table's unique constraint and indexes are back."""

    def indexes():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s ORDER BY 1",
                [SourceRecord._meta.db_table],
            )
            return [r[0] for r in cursor.fetchall()]

    before = indexes()
    rows = [[make_vin(), f"S{i}", "Ford", "North"] for i in range(2500)]  # > one COPY batch
    data = csv_bytes(["VIN", "Stock No", "Make", "Store"], [*rows, ["X", "x" * 1_100_000, "", ""]])
    run = feed_import(source="cdk", data=data)
    assert run.status == "rejected", run.error
    assert "malformed" in run.error
    assert not SourceRecord.objects.exists() and not FeedIssue.objects.exists()
    assert indexes() == before and "inv_source_record_key" in before
    ok = feed_import(source="cdk", data=csv_bytes(["VIN", "Store"], [r[:1] + r[3:] for r in rows]))
    assert (ok.status, ok.vehicles) == ("succeeded", 2500)
    assert indexes() == before


def _column_defaults() -> dict[str, str | None]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name, column_default FROM information_schema.columns "
            "WHERE table_name = %s AND column_name IN "
            "('source', 'feed_import_id', 'first_seen_at', 'last_seen_at')",
            [SourceRecord._meta.db_table],
        )
        return dict(cursor.fetchall())


def test_a_first_load_stamps_every_row_with_its_source_run_and_time_and_leaves_no_default():
    """A first load sends the run's constants as column defaults for its transaction: the
    rows carry them, and the table has no default left afterwards (for a later import, a
    forgotten default would stamp rows with the wrong source or run)."""
    before = _column_defaults()
    vins = [make_vin() for _ in range(30)]
    data = csv_bytes(["VIN", "Device ID"], [[v, f"D{i}"] for i, v in enumerate(vins)])
    run = feed_import(source="lojack", data=data)
    assert run.status == "succeeded", run.error
    rows = SourceRecord.objects.filter(key__in=vins)
    stamps = set(rows.values_list("source", "feed_import_id", "first_seen_at", "last_seen_at"))
    assert len(stamps) == 1 and rows.count() == 30
    source, feed_import_id, first_seen, last_seen = stamps.pop()
    assert (source, feed_import_id) == ("lojack", run.pk)
    assert first_seen == last_seen and run.started_at <= first_seen <= run.finished_at
    assert _column_defaults() == before == dict.fromkeys(before)  # none, before and after


def test_a_first_load_leaves_quick_statistics_and_the_session_target_as_it_was():
    """The first load analyses its table from a small sample (statistics target 10: at
    most 11 histogram bounds for 40 distinct keys, where the default of 100 keeps 40), and
    puts the session's target back for the statements after it."""

    before = statistics_target()
    vins = [make_vin() for _ in range(40)]
    run = feed_import(source="cdk", data=csv_bytes(["VIN", "Store"], [[v, "North"] for v in vins]))
    assert run.status == "succeeded", run.error
    columns = ("source", "key", "vin", "store")
    bounds = histogram_sizes(SourceRecord._meta.db_table, *columns)
    assert set(bounds) == set(columns)  # analysed
    assert 0 < bounds["key"] <= 11 and 0 < bounds["vin"] <= 11
    assert statistics_target() == before


def test_a_small_first_load_into_a_bigger_table_goes_through_the_staging_table():
    """LoJack's first two rows after thirty CDK rows: the table is not emptied of its index
    for them (the staged path), and they are stored and queued like any first load."""
    cdk = [make_vin() for _ in range(30)]
    feed_import(source="cdk", data=csv_bytes(["VIN", "Store"], [[v, "North"] for v in cdk]))
    DirtyVin.objects.all().delete()
    tracked = cdk[:2]
    run = feed_import(source="lojack", data=csv_bytes(["VIN", "Device ID"],
                                                      [[v, "D1"] for v in tracked]))  # fmt: skip
    assert run.status == "succeeded", run.error
    stored = SourceRecord.objects.filter(source="lojack")
    assert sorted(stored.values_list("key", "feed_import_id")) == sorted(
        (v, run.pk) for v in tracked
    )
    assert sorted(DirtyVin.objects.values_list("vin", flat=True)) == sorted(tracked)
    assert _column_defaults() == dict.fromkeys(_column_defaults())
    # sampled at once: the planner knows the table holds LoJack rows now
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT most_common_vals::text::text[] FROM pg_stats "
            "WHERE tablename = %s AND attname = 'source'",
            [SourceRecord._meta.db_table],
        )
        assert "lojack" in cursor.fetchone()[0]


def test_a_source_loaded_whole_has_the_next_reconciliation_recompute_every_vehicle():
    """A first load queues one "every VIN" row instead of each VIN: the next run recomputes
    every vehicle (here LoJack's first load clears the no-tracking exceptions it answers)."""
    from inventory.models import InventoryException
    from inventory.services import vehicles_reconcile

    vins = [make_vin() for _ in range(3)]
    feed_import(source="cdk", data=csv_bytes(["VIN", "Store"], [[v, "North"] for v in vins]))
    vehicles_reconcile()
    untracked = InventoryException.objects.filter(kind="no_tracking", state="open")
    assert sorted(untracked.values_list("vin", flat=True)) == sorted(vins)
    lojack = [[v, f"D{i}"] for i, v in enumerate([*vins[:2], make_vin()])]
    run = feed_import(source="lojack", data=csv_bytes(["VIN", "Device ID"], lojack))
    assert run.status == "succeeded", run.error
    assert list(DirtyVin.objects.values_list("vin", flat=True)) == [DirtyVin.EVERY]
    vehicles_reconcile()
    assert list(untracked.values_list("vin", flat=True)) == [vins[2]]  # the two tracked: cleared
    assert not DirtyVin.objects.exists()
