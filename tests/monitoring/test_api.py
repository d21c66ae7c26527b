"""The monitoring API: health, alerts, acknowledge; permissions per role; CSRF on session POSTs."""

import pytest
from django.test import Client

from monitoring.alerts import alerts_evaluate
from monitoring.models import Alert

pytestmark = pytest.mark.django_db

HEALTH = "/api/monitoring/health"
ALERTS = "/api/monitoring/alerts"


def ack_url(alert):
    return f"/api/monitoring/alerts/{alert.pk}/ack"


@pytest.fixture
def alert(now):
    alerts_evaluate()  # an empty database: stale ingestion, reconciliation, missing feeds
    return Alert.objects.get(kind="reconcile_stale")


def test_health_returns_scores_components_and_window(client_for, manager, now):
    body = client_for(manager).get(HEALTH).json()
    assert set(body) == {"invoices", "inventory"}
    assert set(body["invoices"]["components"]) == {
        "success_rate",
        "data_quality",
        "freshness",
        "error_rate",
    }
    assert set(body["inventory"]["components"]) == {"feeds_today", "reconciliation", "invalid_rows"}
    assert body["invoices"]["window"]["days"] == 7
    assert body["invoices"]["components"]["success_rate"]["weight"] == 40
    assert "runs_finished" in body["invoices"]["components"]["success_rate"]["inputs"]


def test_alerts_lists_unresolved_most_severe_first(client_for, manager, alert):
    body = client_for(manager).get(ALERTS).json()
    assert len(body) == Alert.objects.active().count() == 6
    assert [a["severity"] for a in body][:2] == ["critical", "critical"]
    assert {a["kind"] for a in body} >= {"reconcile_stale", "feed_missing"}


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
