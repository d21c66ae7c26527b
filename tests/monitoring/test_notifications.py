"""New alerts are e-mailed to the Managers once; acknowledging and re-evaluating send nothing."""

from datetime import timedelta

import pytest
from django.core import mail

from fleetops.models import AuditEntry
from inventory.models import ReconciliationRun
from monitoring.alerts import alerts_evaluate
from monitoring.models import Alert, AlertRule, RuleKind
from monitoring.services import alert_acknowledge
from tests.factories import ManagerFactory, TriageUserFactory
from tests.monitoring.factories import ingest_run, reconcile_run

pytestmark = pytest.mark.django_db


@pytest.fixture
def one_rule(now):
    """Only the reconciliation rule enabled, the other data healthy enough to stay quiet."""
    AlertRule.objects.exclude(kind=RuleKind.RECONCILE_STALE).update(enabled=False)


def evaluate(capture):
    with capture(execute=True):
        alerts_evaluate()


def test_new_alert_is_emailed_once_to_managers(now, one_rule, django_capture_on_commit_callbacks):
    managers = [ManagerFactory(), ManagerFactory()]
    TriageUserFactory()  # not a manager: not e-mailed
    ManagerFactory(email="")  # no address: skipped

    evaluate(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted(m.email for m in managers)
    assert "No successful reconciliation" in message.subject
    assert "[FleetOps critical]" in message.subject

    evaluate(django_capture_on_commit_callbacks)  # still holds: no second e-mail
    alert = Alert.objects.get()
    alert_acknowledge(alert=alert, actor=managers[0])
    evaluate(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert Alert.objects.get().notified_at is not None


def test_a_new_occurrence_is_emailed_again(now, one_rule, django_capture_on_commit_callbacks):
    ManagerFactory()
    evaluate(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        reconcile_run(at=now - timedelta(hours=1))  # run_finished evaluates: resolved
    assert Alert.objects.get().status == Alert.Status.RESOLVED
    ReconciliationRun.objects.all().delete()
    evaluate(django_capture_on_commit_callbacks)  # fires again: a second alert, a second e-mail
    assert Alert.objects.count() == 2
    assert len(mail.outbox) == 2


def test_failed_send_is_retried_by_the_next_evaluation(
    now, one_rule, django_capture_on_commit_callbacks, settings
):
    ManagerFactory()
    settings.EMAIL_BACKEND = "tests.monitoring.test_notifications.BrokenBackend"
    evaluate(django_capture_on_commit_callbacks)
    assert Alert.objects.get().notified_at is None
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    evaluate(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1 and Alert.objects.get().notified_at is not None


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("SMTP down")


def test_lifecycle_is_audited(now, one_rule, manager):
    alerts_evaluate()
    alert = Alert.objects.get()
    assert alert_acknowledge(alert=alert, actor=manager) is True
    assert alert_acknowledge(alert=alert, actor=manager) is False  # already acknowledged
    ingest_run(at=now)  # unrelated
    reconcile_run(at=now - timedelta(hours=1))
    alerts_evaluate()
    actions = list(
        AuditEntry.objects.filter(object_type="monitoring.alert", object_id=str(alert.pk))
        .order_by("id")
        .values_list("action", "actor__username")
    )
    assert actions == [
        ("alert.raise", None),
        ("alert.acknowledge", manager.username),
        ("alert.resolve", None),
    ]


def test_no_manager_address_is_not_recorded_as_notified_and_is_sent_once_one_exists(
    now, one_rule, django_capture_on_commit_callbacks
):
    manager = ManagerFactory(email="")
    evaluate(django_capture_on_commit_callbacks)
    alert = Alert.objects.get()
    assert mail.outbox == []
    assert alert.notified_at is None  # nobody was e-mailed: not marked as e-mailed

    manager.email = "pat@example.com"
    manager.save()
    evaluate(django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["pat@example.com"]]
    assert Alert.objects.get().notified_at is not None


def test_the_email_links_the_dashboard_on_the_sites_address(
    now, one_rule, settings, django_capture_on_commit_callbacks
):
    settings.FLEETOPS_SITE_URL = "https://fleetops.example.com"
    ManagerFactory()
    evaluate(django_capture_on_commit_callbacks)
    (message,) = mail.outbox
    assert "monitoring dashboard: https://fleetops.example.com/monitoring/\n" in message.body
