"""The monitoring API: health, alerts, acknowledge; permissions per role; CSRF on session POSTs."""

from datetime import timedelta

import pytest
from django.test import Client

from monitoring.alerts import alerts_evaluate
from monitoring.models import SEVERITY_RANK, Alert
from tests.monitoring.factories import EMPTY_DAY_ALERTS, feed_import, ingest_run, reconcile_run

pytestmark = pytest.mark.django_db

HEALTH = "/api/monitoring/health"
ALERTS = "/api/monitoring/alerts"


def ack_url(alert):
    return f"/api/monitoring/alerts/{alert.pk}/ack"


@pytest.fixture
def alert(now):
    alerts_evaluate()  # an empty database: stale ingestion, reconciliation, missing feeds
    return Alert.objects.get(kind="reconcile_stale")


def test_health_returns_each_domains_weighted_score_components_and_window(client_for, manager, now):
    # Invoices: one run 2 h ago, 90 processed and 10 failed, no invoice rows stored.
    ingest_run(at=now - timedelta(hours=2), processed=90, failed=10)
    # Inventory: today's CDK feed only (10 of 100 rows invalid), reconciled 1 h ago.
    feed_import(at=now.replace(hour=6), source="cdk", rows_read=100, invalid_rows=10)
    reconcile_run(at=now - timedelta(hours=1))
    invoices = {
        "success_rate": (40, 100.0),
        "data_quality": (30, 0.0),  # no invoice rows
        "freshness": (20, 100.0),
        "error_rate": (10, 100.0 * (1 - 10 / 100)),
    }
    inventory = {"feeds_today": (40, 100.0 * 1 / 4), "reconciliation": (30, 100.0),
                 "invalid_rows": (30, 100.0 * (1 - 10 / 100))}  # fmt: skip

    body = client_for(manager).get(HEALTH).json()
    assert set(body) == {"invoices", "inventory"}
    for domain, expected in (("invoices", invoices), ("inventory", inventory)):
        got = body[domain]["components"]
        assert {k: c["weight"] for k, c in got.items()} == {k: w for k, (w, _) in expected.items()}
        assert {k: c["score"] for k, c in got.items()} == pytest.approx(
            {k: score for k, (_, score) in expected.items()}, abs=0.05
        )
        for c in got.values():
            assert c["points"] == pytest.approx(c["score"] * c["weight"] / 100, abs=0.05)
        total = sum(weight * score for weight, score in expected.values()) / 100
        assert body[domain]["score"] == pytest.approx(total, abs=0.05), domain
        assert body[domain]["window"]["days"] == 7
    assert body["invoices"]["components"]["success_rate"]["inputs"] == {
        "runs_finished": 1,
        "runs_succeeded": 1,
    }


def test_health_window_days_is_the_window_the_scores_cover(client_for, manager, now):
    ingest_run(at=now - timedelta(days=10), processed=10)  # outside 7 days, inside 14
    client = client_for(manager)
    week = client.get(HEALTH).json()["invoices"]
    fortnight = client.get(HEALTH, {"window_days": 14}).json()["invoices"]
    assert week["window"]["days"] == 7 and fortnight["window"]["days"] == 14
    assert week["components"]["success_rate"]["inputs"]["runs_finished"] == 0
    assert fortnight["components"]["success_rate"]["inputs"]["runs_finished"] == 1
    assert fortnight["components"]["success_rate"]["score"] == 100.0


def test_alerts_lists_unresolved_most_severe_first(client_for, manager, alert):
    Alert.objects.filter(kind="feed_missing", subject="oem").update(status=Alert.Status.RESOLVED)
    body = client_for(manager).get(ALERTS).json()
    expected = EMPTY_DAY_ALERTS - {("feed_missing", "oem", "high")}  # resolved: not listed
    assert {(a["kind"], a["subject"], a["severity"]) for a in body} == expected
    ranks = [SEVERITY_RANK[a["severity"]] for a in body]
    assert ranks == sorted(ranks)  # every critical before every high


@pytest.mark.parametrize(
    ("role", "health", "alerts", "ack"),
    [
        ("outsider", 403, 403, 403),
        ("clerk", 403, 403, 403),
        ("triage_user", 403, 200, 403),
        ("manager", 200, 200, 200),
        ("admin_user", 200, 200, 200),
    ],
)
def test_permissions_per_role(request, client_for, alert, role, health, alerts, ack):
    client = client_for(request.getfixturevalue(role))
    assert client.get(HEALTH).status_code == health
    assert client.get(ALERTS).status_code == alerts
    assert client.post(ack_url(alert)).status_code == ack
    expected = Alert.Status.ACKNOWLEDGED if ack == 200 else Alert.Status.OPEN
    assert Alert.objects.get(pk=alert.pk).status == expected


def test_anonymous_gets_401(client, alert):
    assert client.get(HEALTH).status_code == 401
    assert client.post(ack_url(alert)).status_code == 401


def test_ack_with_a_token(client, api_token, manager, alert):
    headers = {"Authorization": f"Bearer {api_token(manager)}"}
    response = client.post(ack_url(alert), headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert body["acknowledged"] is True
    assert body["alert"]["status"] == "acknowledged"
    assert body["alert"]["acknowledged_by"] == manager.username
    again = client.post(ack_url(alert), headers=headers).json()
    assert again["acknowledged"] is False and again["alert"]["status"] == "acknowledged"


def test_ack_of_a_missing_alert_is_404(client_for, manager, now):
    assert client_for(manager).post("/api/monitoring/alerts/999999/ack").status_code == 404


def test_session_post_without_csrf_token_is_refused(manager, alert):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert client.post(ack_url(alert)).status_code == 403
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.OPEN

    client.get("/monitoring/")  # the page sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(ack_url(alert), headers={"X-CSRFToken": token})
    assert response.status_code == 200
    assert Alert.objects.get(pk=alert.pk).status == Alert.Status.ACKNOWLEDGED


def test_alerts_filter_by_status(client_for, manager, alert):
    client = client_for(manager)
    client.post(ack_url(alert))
    assert [a["id"] for a in client.get(ALERTS, {"status": "acknowledged"}).json()] == [alert.pk]
    assert alert.pk not in [a["id"] for a in client.get(ALERTS, {"status": "open"}).json()]
    assert client.get(ALERTS, {"status": "bogus"}).status_code == 422
