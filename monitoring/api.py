"""Monitoring API: health scores, alerts, acknowledging an alert."""

from datetime import datetime
from typing import Any, Literal

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from fleetops.auth import api_auth
from monitoring.health import DEFAULT_WINDOW_DAYS, MAX_WINDOW_DAYS, health_all
from monitoring.models import Alert
from monitoring.services import alert_acknowledge

router = Router()


class ComponentOut(Schema):
    key: str
    label: str
    weight: int = Field(description="Share of the score, in %.")
    score: float = Field(description="0-100.")
    points: float = Field(description="score x weight / 100: what it adds to the total.")
    value: str = Field(description="The measured value in words.")
    definition: str
    inputs: dict[str, Any]


class WindowOut(Schema):
    days: int
    start: datetime
    end: datetime


class HealthOut(Schema):
    score: float
    window: WindowOut
    components: dict[str, ComponentOut]


class HealthResponse(Schema):
    invoices: HealthOut
    inventory: HealthOut


class AlertOut(Schema):
    id: int
    kind: str
    subject: str
    severity: str
    status: str
    message: str
    value: float | None
    threshold: float | None
    opened_at: datetime
    last_seen_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None

    @staticmethod
    def resolve_acknowledged_by(obj):
        return obj.acknowledged_by.get_username() if obj.acknowledged_by else None


class AckOut(Schema):
    acknowledged: bool = Field(description="False when it was already acknowledged or resolved.")
    alert: AlertOut


@router.get(
    "/health",
    response=HealthResponse,
    summary="Health scores with their components",
    auth=api_auth("monitoring.view_dashboard"),
)
def health(request, window_days: int = Query(DEFAULT_WINDOW_DAYS, ge=1, le=MAX_WINDOW_DAYS)):
    return {k: h.as_dict() for k, h in health_all(window_days=window_days).items()}


@router.get(
    "/alerts",
    response=list[AlertOut],
    summary="Alerts, most severe first",
    auth=api_auth("monitoring.view_alert"),
)
def alerts(
    request,
    status: Literal["active", "open", "acknowledged", "resolved", "all"] = "active",
    limit: int = Query(100, ge=1, le=500),
):
    """``active`` (default): open or acknowledged, i.e. the condition still holds."""
    qs = Alert.objects.select_related("acknowledged_by")
    if status == "active":
        qs = qs.active()
    elif status != "all":
        qs = qs.filter(status=status)
    return list(qs.by_severity()[:limit])


@router.post(
    "/alerts/{alert_id}/ack",
    response=AckOut,
    summary="Acknowledge an open alert",
    auth=api_auth("monitoring.acknowledge_alert"),
)
def alert_ack(request, alert_id: int):
    alert = get_object_or_404(Alert, pk=alert_id)
    done = alert_acknowledge(alert=alert, actor=request.auth)
    alert.refresh_from_db()
    return {"acknowledged": done, "alert": alert}
