"""Reads behind the dashboard: daily metric series, recent runs with durations, last runs."""

from datetime import date, timedelta

import pytest

from fleetops.models import RunStatus
from monitoring.selectors import last_runs, metric_series, recent_runs
from sales.models import LoadRun
from tests.monitoring.factories import IngestRunFactory, feed_import, ingest_run, reconcile_run

pytestmark = pytest.mark.django_db


def test_metric_series_is_one_point_per_chicago_day(now):
    ingest_run(at=now.replace(hour=1), processed=10)
    ingest_run(at=now.replace(hour=9), processed=30, finished_at=now.replace(hour=9, minute=2))
    # 23:30 the day before, Chicago time (already the 14th in UTC): counts for the 13th.
    ingest_run(at=now.replace(hour=23, minute=30) - timedelta(days=1), processed=5)
    series = metric_series(days=30)["invoices.ingest"]
    assert series["processed"] == [(date(2026, 10, 13), 5.0), (date(2026, 10, 14), 40.0)]
    # Durations are averaged per day, not added: 60 s and 120 s -> 90 s.
    assert series["duration_seconds"][-1] == (date(2026, 10, 14), 90.0)


def test_metric_series_window(now):
    ingest_run(at=now - timedelta(days=40), processed=10)
    assert metric_series(days=30) == {}


def test_recent_runs_mix_every_kind_newest_first_with_durations(now):
    ingest_run(at=now - timedelta(hours=3))
    feed_import(at=now - timedelta(hours=2), source="lojack", rows_read=50, invalid_rows=5)
    reconcile_run(at=now - timedelta(hours=1))
    IngestRunFactory(started_at=now, status="running", finished_at=None)
    load = LoadRun.objects.create(
        started_at=now - timedelta(hours=4), status=RunStatus.FAILED, error="orders.csv: line 3",
        rows={"offices": 7, "employees": 23}, excluded_orders=1,
    )  # fmt: skip
    runs = recent_runs(limit=10)
    assert [r.source for r in runs] == [
        "invoices.ingest",
        "inventory.reconcile",
        "inventory.feed",
        "invoices.ingest",
        "sales.load",
    ]
    assert runs[0].status == "running" and runs[0].duration_seconds is None
    assert runs[1].duration_seconds == 120.0
    assert "5 invalid" in runs[2].summary
    assert runs[2].label == f"Feed import #{runs[2].id}"
    assert (runs[4].id, runs[4].status, runs[4].error) == (load.pk, "failed", "orders.csv: line 3")
    # excluded_orders counts orders loaded without an order date (a bad date rejects the
    # load; a missing required date excludes nothing): "without a valid date" said otherwise
    assert runs[4].summary == "30 rows in 2 tables, 1 order without an order date"
    assert runs[4].label == f"Sales data load #{load.pk}"
    assert recent_runs(limit=2) == runs[:2]


def test_last_runs_one_per_kind_and_feed_source(now):
    feed_import(at=now - timedelta(days=1), source="cdk")
    newest = feed_import(at=now - timedelta(hours=1), source="cdk")
    oem = feed_import(at=now - timedelta(hours=1), source="oem")
    assert {(r.source, r.feed): r.id for r in last_runs()} == {
        ("inventory.feed", "cdk"): newest.pk,
        ("inventory.feed", "oem"): oem.pk,
    }
