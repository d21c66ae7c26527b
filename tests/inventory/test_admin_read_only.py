"""Rows only a service writes are shown in the admin, never added or edited by hand, not
even by a superuser. Source rows, vehicles, imports and the audit trail are not deletable
either (a deleted source row would not queue its VIN for reconciliation); run records and
issues are, by a superuser only (tests/security/test_permission_matrix.py)."""

import pytest
from django.urls import reverse

from fleetops.models import AuditEntry
from inventory.models import FeedImport, FeedIssue, ReconciliationRun, SourceRecord, Vehicle
from tests.inventory.factories import make_vin

pytestmark = pytest.mark.django_db
MODELS = (FeedImport, FeedIssue, SourceRecord, Vehicle, ReconciliationRun, AuditEntry)
UNDELETABLE = (FeedImport, SourceRecord, Vehicle, AuditEntry)


@pytest.fixture
def rows(load):
    vin = make_vin()
    load(cdk={vin: {}, "BAD": {}}, vauto=[vin], lojack=[])  # a bad VIN: one feed issue
    AuditEntry.objects.create(action="test.row", object_type="test", object_id="1")


def admin_prefix(model) -> str:
    return f"admin:{model._meta.app_label}_{model._meta.model_name}"


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.model_name)
def test_superuser_views_but_cannot_edit(rows, client_for, admin_user, model):
    client = client_for(admin_user)
    obj = model.objects.order_by("pk").first()
    change = reverse(f"{admin_prefix(model)}_change", args=[obj.pk])
    response = client.get(change)
    assert response.status_code == 200
    assert 'name="_save"' not in response.content.decode()
    assert client.post(change, {}).status_code == 403


@pytest.mark.parametrize("model", UNDELETABLE, ids=lambda m: m._meta.model_name)
def test_superuser_cannot_delete(rows, client_for, admin_user, model):
    client = client_for(admin_user)
    obj = model.objects.order_by("pk").first()
    delete = reverse(f"{admin_prefix(model)}_delete", args=[obj.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    changelist = client.get(reverse(f"{admin_prefix(model)}_changelist"))
    assert "delete_selected" not in changelist.content.decode()
    assert model.objects.filter(pk=obj.pk).exists()


def test_lists_show_times_in_iso_order_on_a_24_hour_clock(rows, client_for, admin_user):
    """'2026-03-04 15:05', in the site's time zone, not 'March 4, 2026, 3:05 p.m.'."""
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    started = datetime(2026, 3, 4, 21, 5, tzinfo=UTC)
    FeedImport.objects.update(started_at=started)
    response = client_for(admin_user).get(reverse(f"{admin_prefix(FeedImport)}_changelist"))
    local = started.astimezone(ZoneInfo("America/Chicago"))  # 15:05 CST
    assert f'"field-started_at nowrap">{local:%Y-%m-%d %H:%M}</td>' in response.content.decode()
