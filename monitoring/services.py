"""Monitoring write paths: metrics of every run, the alert lifecycle, notifications."""

import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from fleetops.roles import MANAGERS
from fleetops.services import audit_record
from monitoring.models import Alert, Metric

logger = logging.getLogger(__name__)
_alerts_deferred: ContextVar[bool] = ContextVar("alerts_deferred", default=False)


def metrics_record(
    *,
    source: str,
    run_id: int | None,
    values: Mapping[str, Decimal | int | float],
    recorded_at: datetime | None = None,
) -> list[Metric]:
    """Store one row per named value for a run (bulk, one statement)."""
    when = recorded_at or timezone.now()
    rows = [
        Metric(source=source, run_id=run_id, name=name, value=Decimal(str(value)), recorded_at=when)
        for name, value in values.items()
        if value is not None
    ]
    return Metric.objects.bulk_create(rows)


def run_finished(
    *,
    source: str,
    run_id: int | None,
    metrics: Mapping[str, Decimal | int | float],
    recorded_at: datetime | None = None,
) -> None:
    """Every ingest/reconciliation run calls this once it has finished (success or failure).

    Records the run's metrics (dated ``recorded_at``, the run's end, when the run is
    back-filled history; now otherwise) and, after commit, evaluates the alert rules that a run of
    ``source`` can change (``monitoring.alerts.RULES_BY_RUN_SOURCE``), unless inside
    :func:`alerts_deferred`.
    """
    metrics_record(source=source, run_id=run_id, values=metrics, recorded_at=recorded_at)
    if not _alerts_deferred.get():
        transaction.on_commit(partial(_evaluate_alerts, source=source))


@contextmanager
def alerts_deferred() -> Iterator[None]:
    """Runs finished inside record their metrics, and the alert rules are evaluated once,
    when the block ends without an error: loading several sources one after the other
    (the demo data), the first would otherwise raise "no data yet" alerts, and mail them,
    about the sources still to come."""
    token = _alerts_deferred.set(True)
    try:
        yield
    finally:
        _alerts_deferred.reset(token)
    _evaluate_alerts()


def _evaluate_alerts(*, source: str | None = None) -> None:
    """After a run of ``source`` (or a block of runs, when None): evaluate the rules it can
    change (all when None); a monitoring failure never fails the run's caller."""
    from monitoring.alerts import RULES_BY_RUN_SOURCE, alerts_evaluate

    kinds = RULES_BY_RUN_SOURCE.get(source) if source is not None else None
    if kinds is not None and not kinds:
        return
    try:
        alerts_evaluate(kinds=kinds)
    except Exception:  # noqa: BLE001 - logged; the schedule evaluates again within 15 min
        logger.exception("Alert evaluation after a run failed")


def _quantize(value) -> Decimal | None:
    return None if value is None else Decimal(str(round(float(value), 4)))


@transaction.atomic
def alert_raise(
    *,
    kind: str,
    subject: str = "",
    severity: str,
    message: str,
    value: float | Decimal | None = None,
    threshold: Decimal | None = None,
    now: datetime | None = None,
) -> tuple[Alert, bool]:
    """Open an alert for ``kind``/``subject``, or refresh the one that already holds.

    Returns ``(alert, created)``. At most one unresolved alert exists per rule and
    subject (a partial unique constraint); a new one is audited and e-mailed to the
    Managers once, after commit.
    """
    now = now or timezone.now()
    value = _quantize(value)
    existing = Alert.objects.active().select_for_update().filter(kind=kind, subject=subject).first()
    if existing is not None:
        existing.message, existing.value, existing.last_seen_at = message[:300], value, now
        # severity and threshold follow the rule if an admin changed it
        existing.severity, existing.threshold = severity, threshold
        existing.save(update_fields=["message", "value", "last_seen_at", "severity", "threshold"])
        return existing, False
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                kind=kind,
                subject=subject,
                severity=severity,
                message=message[:300],
                value=value,
                threshold=threshold,
                opened_at=now,
                last_seen_at=now,
            )
    except IntegrityError:  # another evaluation opened it first
        return Alert.objects.active().get(kind=kind, subject=subject), False
    audit_record(
        actor=None,
        action="alert.raise",
        obj=alert,
        note=alert.message,
        data={"kind": kind, "subject": subject, "severity": severity},
    )
    transaction.on_commit(partial(alert_notify, alert_id=alert.pk))
    return alert, True


@transaction.atomic
def alert_resolve(*, alert: Alert, actor=None, note: str = "", now: datetime | None = None) -> bool:
    """Close an unresolved alert; False when it was already resolved."""
    now = now or timezone.now()
    changed = (
        Alert.objects.active()
        .filter(pk=alert.pk)
        .update(status=Alert.Status.RESOLVED, resolved_at=now)
    )
    if changed:
        alert.status, alert.resolved_at = Alert.Status.RESOLVED, now
        audit_record(actor=actor, action="alert.resolve", obj=alert, note=note)
    return bool(changed)


@transaction.atomic
def alert_acknowledge(*, alert: Alert, actor, note: str = "") -> bool:
    """Mark an open alert as seen by ``actor`` (it leaves the banner, stays until resolved).

    False when it was not open (already acknowledged or resolved).
    """
    now = timezone.now()
    changed = (
        Alert.objects.open()
        .filter(pk=alert.pk)
        .update(status=Alert.Status.ACKNOWLEDGED, acknowledged_at=now, acknowledged_by=actor)
    )
    if changed:
        alert.status, alert.acknowledged_at, alert.acknowledged_by = (
            Alert.Status.ACKNOWLEDGED,
            now,
            actor,
        )
        audit_record(actor=actor, action="alert.acknowledge", obj=alert, note=note)
    return bool(changed)


def manager_emails() -> list[str]:
    User = get_user_model()
    return sorted(
        set(
            User.objects.filter(groups__name=MANAGERS, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


def alert_notify(*, alert_id: int) -> bool:
    """E-mail a new alert to the Managers, exactly once (claimed by a conditional update).

    A failed send, or no Manager with an e-mail address, releases the claim, so the
    next evaluation retries it (``notified_at`` is only kept when a message went out).
    """
    claimed = Alert.objects.filter(pk=alert_id, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return False
    alert = Alert.objects.get(pk=alert_id)
    recipients = manager_emails()
    if not recipients:  # nobody was e-mailed: release the claim, retried once someone has one
        logger.warning("Alert %s not e-mailed: no active Manager has an e-mail address", alert_id)
        Alert.objects.filter(pk=alert_id).update(notified_at=None)
        return False
    body = (
        f"{alert.message}\n\n"
        f"Severity: {alert.get_severity_display()}\n"
        f"Opened: {timezone.localtime(alert.opened_at):%Y-%m-%d %H:%M %Z}\n"
        f"Rule: {alert.get_kind_display()}\n\n"
        "Review and acknowledge it on the monitoring dashboard: "
        f"{settings.FLEETOPS_SITE_URL}{reverse('monitoring:dashboard')}\n"
    )
    try:
        send_mail(
            subject=f"[FleetOps {alert.severity}] {alert.message}"[:200],
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=recipients,
        )
    except Exception:  # noqa: BLE001 - release the claim; the next evaluation retries
        logger.exception("Could not e-mail alert %s", alert_id)
        Alert.objects.filter(pk=alert_id).update(notified_at=None)
        return False
    return True
