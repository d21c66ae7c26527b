"""API tokens: the key is shown once, stored only as its hash, and refused once revoked or
expired."""

import datetime as dt
import hashlib

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fleetops.models import ApiToken, AuditEntry
from fleetops.services import api_token_revoke

pytestmark = pytest.mark.django_db


def test_a_token_is_stored_only_as_the_sha256_of_its_key_and_audited(api_token, manager):
    key = api_token(manager)
    token = ApiToken.objects.get(user=manager)
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert not [field for field, value in stored.items() if key in str(value)]
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith("fo_") and token.prefix == key[3 : 3 + len(token.prefix)]
    assert AuditEntry.objects.filter(action="api_token.create", object_id=str(token.pk)).exists()


def test_a_token_created_in_the_admin_shows_its_key_once_and_the_key_works(
    client_for, admin_user, manager
):
    client = client_for(admin_user)
    response = client.post(
        reverse("admin:fleetops_apitoken_add"),
        {"user": manager.pk, "name": "BI tool", "expires_at_0": "", "expires_at_1": ""},
        follow=True,
    )
    shown = [str(m) for m in response.context["messages"] if "not shown again" in str(m)]
    assert len(shown) == 1, [str(m) for m in response.context["messages"]]
    key = shown[0].rsplit(": ", 1)[1]
    token = ApiToken.objects.get(user=manager, name="BI tool")
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    for url in (reverse("admin:fleetops_apitoken_changelist"),
                reverse("admin:fleetops_apitoken_change", args=[token.pk])):  # fmt: skip
        assert key not in client.get(url).content.decode(), url  # never shown again
    health = Client().get("/api/monitoring/health", headers={"Authorization": f"Bearer {key}"})
    assert health.status_code == 200  # the manager's token reads what the manager reads


def test_a_token_an_administrator_creates_for_someone_is_audited_as_the_administrator_s(
    client_for, admin_user, manager
):
    """The audit trail names who minted the credential: the administrator at the admin's
    add form, not the manager the token is for (who did nothing)."""
    client_for(admin_user).post(
        reverse("admin:fleetops_apitoken_add"),
        {"user": manager.pk, "name": "BI tool", "expires_at_0": "", "expires_at_1": ""},
    )
    token = ApiToken.objects.get(user=manager, name="BI tool")
    (entry,) = AuditEntry.objects.filter(action="api_token.create", object_id=str(token.pk))
    assert entry.actor == admin_user


def test_revoked_and_expired_tokens_are_refused(api_token, manager):
    from fleetops.services import api_token_authenticate

    key = api_token(manager)
    assert api_token_authenticate(key).user == manager
    assert api_token_revoke(token=ApiToken.objects.get(user=manager), actor=manager)
    assert api_token_authenticate(key) is None

    expired = api_token(manager, expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert api_token_authenticate(expired) is None
    assert api_token_authenticate("fo_not-a-real-key") is None


def test_an_api_client_is_told_why_its_token_is_refused(api_token, manager, client):
    """A token FleetOps issued and no longer accepts is refused 401 with the reason; a key
    it never issued gets the plain 401 (nothing to say about it)."""

    def summary(key):
        return client.get("/api/inventory/summary", HTTP_AUTHORIZATION=f"Bearer {key}")

    revoked = api_token(manager)
    assert summary(revoked).status_code == 200
    api_token_revoke(token=ApiToken.objects.get(user=manager), actor=manager)
    today = f"{timezone.localdate():%Y-%m-%d}"
    response = summary(revoked)
    assert response.status_code == 401
    assert response.json() == {
        "detail": f"This API token was revoked on {today}. Ask an administrator for a new one."
    }

    yesterday = timezone.now() - dt.timedelta(days=1)
    expired = api_token(manager, expires_at=yesterday)
    detail = summary(expired).json()["detail"]
    assert detail.startswith(f"This API token expired on {timezone.localtime(yesterday):%Y-%m-%d}.")

    live = api_token(manager)
    manager.is_active = False
    manager.save()
    assert summary(live).json()["detail"].startswith("This API token's user is deactivated.")

    unknown = summary("fo_not-a-real-key")
    assert (unknown.status_code, unknown.json()) == (401, {"detail": "Unauthorized"})
