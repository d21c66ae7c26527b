"""Health components computed by hand on known runs, and compared with the selectors."""

from datetime import timedelta

import pytest

from monitoring.health import freshness_score, inventory_health, invoice_health
from tests.monitoring.factories import (
    InvoiceIssueFactory,
    RawInvoiceFactory,
    feed_import,
    ingest_run,
    reconcile_run,
)

pytestmark = pytest.mark.django_db


def components(health):
    return {c.key: c for c in health.components}


def test_invoice_health_components_on_known_runs(now):
    # In the 7-day window: 3 finished runs, 2 succeeded; 190 processed, 10 failed.
    ingest_run(at=now - timedelta(days=3), processed=80, failed=0)
    ingest_run(at=now - timedelta(days=2), processed=10, failed=10, status="failed")
    last_ok = ingest_run(at=now - timedelta(hours=30), processed=100, failed=0)
    # Outside the window, or still running: ignored.
    ingest_run(at=now - timedelta(days=8), processed=500, failed=100)
    ingest_run(at=now - timedelta(hours=1), processed=0, failed=0, status="running")
    # 10 invoices processed in the window, 3 with issues (one with two); older/failed ignored.
    invoices = RawInvoiceFactory.create_batch(10, processed_at=now - timedelta(days=1))
    for invoice in invoices[:3]:
        InvoiceIssueFactory(raw_invoice=invoice)
    InvoiceIssueFactory(raw_invoice=invoices[0], kind="missing_vin")
    InvoiceIssueFactory(raw_invoice=RawInvoiceFactory(processed_at=now - timedelta(days=9)))
    InvoiceIssueFactory(raw_invoice=RawInvoiceFactory(status="failed", processed_at=now))

    health = invoice_health()
    c = components(health)

    success = 100 * 2 / 3
    quality = 100 * 7 / 10
    hours = (now - last_ok.finished_at).total_seconds() / 3600  # 29.98 h
    fresh = 100 * (48 - hours) / 24
    errors = 100 * (1 - 10 / 200)
    assert c["success_rate"].score == pytest.approx(success, abs=0.05)
    assert c["data_quality"].score == pytest.approx(quality, abs=0.05)
    assert c["freshness"].score == pytest.approx(fresh, abs=0.05)
    assert c["error_rate"].score == pytest.approx(errors, abs=0.05)
    expected = 0.4 * success + 0.3 * quality + 0.2 * fresh + 0.1 * errors
    assert health.score == pytest.approx(expected, abs=0.1)
    assert [x.weight for x in health.components] == [40, 30, 20, 10]
    # Inputs and window are visible.
    assert c["success_rate"].inputs == {"runs_finished": 3, "runs_succeeded": 2}
    assert c["error_rate"].inputs == {"invoices_failed": 10, "invoices_attempted": 200}
    assert c["data_quality"].inputs == {"invoices_processed": 10, "invoices_with_issues": 3}
    assert health.window_days == 7 and health.window_end - health.window_start == timedelta(7)


def test_invoice_health_is_zero_without_data(now):
    health = invoice_health()
    assert health.score == 0 and all(c.score == 0 for c in health.components)


def test_invoice_health_window_is_a_parameter(now):
    ingest_run(at=now - timedelta(days=10), processed=10, failed=10, status="failed")
    assert components(invoice_health(window_days=7))["success_rate"].inputs["runs_finished"] == 0
    assert components(invoice_health(window_days=14))["success_rate"].inputs["runs_finished"] == 1


@pytest.mark.parametrize(
    ("hours", "score"), [(None, 0), (0, 100), (24, 100), (30, 75), (36, 50), (48, 0), (70, 0)]
)
def test_freshness_falls_linearly_from_24_to_48_hours(hours, score):
    assert freshness_score(hours) == pytest.approx(score)


def test_inventory_health_components_on_known_runs(now):
    morning = now.replace(hour=6)
    feed_import(at=morning, source="cdk", rows_read=1000, invalid_rows=10)
    feed_import(at=morning, source="vauto", rows_read=500, invalid_rows=40)
    feed_import(at=morning, source="lojack", status="failed", rows_read=0)  # not arrived
    feed_import(at=morning - timedelta(days=1), source="oem", rows_read=100)  # yesterday
    feed_import(at=morning - timedelta(days=9), source="cdk", rows_read=100, invalid_rows=100)
    reconcile_run(at=now - timedelta(hours=20))

    health = inventory_health()
    c = components(health)
    assert c["feeds_today"].score == 50.0  # cdk and vauto of 4 sources
    arrived = {k for k, v in c["feeds_today"].inputs["sources"].items() if v}
    assert arrived == {"cdk", "vauto"}
    assert c["reconciliation"].score == 100.0
    invalid_rate = (10 + 40) / (1000 + 500 + 0 + 100)
    assert c["invalid_rows"].score == pytest.approx(100 * (1 - invalid_rate), abs=0.05)
    assert c["invalid_rows"].value == "50 of 1,600 rows invalid (3.12%)"  # thousands marked
    expected = 0.4 * 50 + 0.3 * 100 + 0.3 * 100 * (1 - invalid_rate)
    assert health.score == pytest.approx(expected, abs=0.1)


def test_feeds_count_by_the_chicago_calendar_day(now):
    # 23:30 in Chicago yesterday is already "today" in UTC: it must not count as today.
    late = now.replace(hour=23, minute=30) - timedelta(days=1)
    feed_import(at=late, source="cdk")
    assert components(inventory_health())["feeds_today"].inputs["sources"]["cdk"] is None
    feed_import(at=now.replace(hour=0, minute=5), source="cdk")
    assert components(inventory_health())["feeds_today"].inputs["sources"]["cdk"] is not None


def test_reconciliation_older_than_26_hours_scores_zero(now):
    reconcile_run(at=now - timedelta(hours=27))
    assert components(inventory_health())["reconciliation"].score == 0
