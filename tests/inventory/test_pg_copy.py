"""The PostgreSQL COPY path validates exactly like the Python parser (same rows, same issues)."""

import pytest
from django.db import connection

from inventory.feeds.parsing import RECORD_FIELDS, feed_parse
from inventory.models import FeedIssue, SourceRecord
from inventory.services import feed_import
from tests.inventory.factories import csv_bytes, make_vin

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
