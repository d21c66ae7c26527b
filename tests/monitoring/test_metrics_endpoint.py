"""/metrics: Prometheus text format (parsed by prometheus_client's parser), token-protected."""

from datetime import timedelta

import pytest
from prometheus_client.parser import text_string_to_metric_families

from monitoring.alerts import alerts_evaluate
from tests.monitoring.factories import (
    FeedImportFactory,
    IngestRunFactory,
    feed_import,
    ingest_run,
    reconcile_run,
)

pytestmark = pytest.mark.django_db


def scrape(client, key):
    return client.get("/metrics", headers={"Authorization": f"Bearer {key}"})


def samples(text):
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def test_metrics_parse_and_carry_the_latest_run_values(client, api_token, manager, now):
    ingest_run(at=now - timedelta(days=1), processed=50, failed=1)
    last = ingest_run(at=now - timedelta(hours=2), processed=120, failed=3)
    feed_import(at=now - timedelta(hours=3), source="vauto", rows_read=800, invalid_rows=8)
    reconcile_run(at=now - timedelta(hours=1), critical_open=7)
    alerts_evaluate()

    response = scrape(client, api_token(manager))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    found = samples(response.content.decode())

    assert found[("fleetops_invoices_ingest_processed", ())] == 120
    assert found[("fleetops_invoices_ingest_failed", ())] == 3
    assert found[("fleetops_inventory_feed_invalid_rows", (("feed", "vauto"),))] == 8
    assert found[("fleetops_inventory_reconcile_critical_open", ())] == 7
    # Health from the runs above: both ingests succeeded, no invoice rows (quality 0), the
    # last ingest 2 h ago (fresh), 4 of 174 invoices failed; one feed of four today, 8 of
    # 800 rows invalid, reconciled 1 h ago.
    invoices = 0.4 * 100 + 0.3 * 0 + 0.2 * 100 + 0.1 * 100 * (1 - 4 / 174)
    inventory = 0.4 * 100 / 4 + 0.3 * 100 + 0.3 * 100 * (1 - 8 / 800)
    score = "fleetops_health_score"
    assert found[(score, (("domain", "invoices"),))] == pytest.approx(invoices, abs=0.05)
    assert found[(score, (("domain", "inventory"),))] == pytest.approx(inventory, abs=0.05)
    component = "fleetops_health_component_score"
    error_rate = (("component", "error_rate"), ("domain", "invoices"))
    assert found[(component, error_rate)] == pytest.approx(100 * (1 - 4 / 174), abs=0.05)
    assert found[(component, (("component", "feeds_today"), ("domain", "inventory")))] == 25
    # Three feeds missing today (cdk, lojack, oem): high alerts.
    assert found[("fleetops_alerts_unresolved", (("severity", "high"),))] == 3
    assert found[("fleetops_last_run_id", (("feed", ""), ("source", "invoices.ingest")))] == last.pk
    vauto = (("feed", "vauto"), ("source", "inventory.feed"))
    assert found[("fleetops_last_run_succeeded", vauto)] == 1


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer fo_not-a-key", "Basic abc"])
def test_metrics_without_a_valid_token_is_401(client, header, now):
    headers = {"Authorization": header} if header else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("role", ["outsider", "clerk"])
def test_metrics_refuses_tokens_without_a_monitoring_permission_with_403(
    request, client, api_token, role
):
    """The token is good (not 401, which says "send credentials"): its user lacks the right."""
    response = scrape(client, api_token(request.getfixturevalue(role)))
    assert response.status_code == 403
    assert "WWW-Authenticate" not in response


def test_metrics_ignore_a_session(client_for, manager):
    assert client_for(manager).get("/metrics").status_code == 401


def test_a_run_in_progress_does_not_read_as_a_failed_last_run(client, api_token, manager, now):
    done = ingest_run(at=now - timedelta(hours=2), processed=10)  # finished in 60 s
    running_ingest = IngestRunFactory(
        started_at=now - timedelta(minutes=5), status="running", finished_at=None
    )
    feed_import(at=now - timedelta(hours=3), source="cdk", status="rejected", rows_read=0)
    running_feed = FeedImportFactory(
        started_at=now - timedelta(minutes=1), source="cdk", status="running", finished_at=None
    )

    found = samples(scrape(client, api_token(manager)).content.decode())
    ingest = (("feed", ""), ("source", "invoices.ingest"))
    cdk = (("feed", "cdk"), ("source", "inventory.feed"))
    # Outcome and duration: the last finished run's (the ingest succeeded, the feed was rejected).
    assert found[("fleetops_last_run_succeeded", ingest)] == 1
    assert found[("fleetops_last_run_duration_seconds", ingest)] == 60
    assert found[("fleetops_last_run_succeeded", cdk)] == 0
    assert found[("fleetops_last_run_duration_seconds", cdk)] == 30
    # Id and start: the latest run, running or not.
    assert found[("fleetops_last_run_id", cdk)] == running_feed.pk
    assert found[("fleetops_last_run_id", ingest)] == running_ingest.pk != done.pk
    started = "fleetops_last_run_started_timestamp_seconds"
    assert found[(started, ingest)] == running_ingest.started_at.timestamp()


def test_each_feed_reports_its_own_last_import(client, api_token, manager, now):
    """A later rejected OEM file (0 rows) does not stand for the CDK import before it:
    each feed's gauges carry its own last import's figures."""
    feed_import(at=now - timedelta(hours=5), source="cdk", rows_read=150, invalid_rows=2)
    feed_import(at=now - timedelta(hours=4), source="cdk", rows_read=210, invalid_rows=3)
    feed_import(at=now - timedelta(hours=1), source="oem", rows_read=0, invalid_rows=0)
    found = samples(scrape(client, api_token(manager)).content.decode())
    rows = {labels: v for (name, labels), v in found.items()
            if name == "fleetops_inventory_feed_rows_read"}  # fmt: skip
    assert rows == {(("feed", "cdk"),): 210, (("feed", "oem"),): 0}
    assert found[("fleetops_inventory_feed_invalid_rows", (("feed", "cdk"),))] == 3
