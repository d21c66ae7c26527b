import datetime as dt

import pytest
from django.utils import timezone

from fleetops.models import ApiToken, AuditEntry
from fleetops.services import api_token_revoke

pytestmark = pytest.mark.django_db


def test_token_is_stored_hashed_and_shown_once(api_token, manager):
    key = api_token(manager)
    token = ApiToken.objects.get(user=manager)
    assert key not in (token.key_hash, token.prefix)
    assert token.key_hash == ApiToken.hash_key(key)
    assert AuditEntry.objects.filter(action="api_token.create", object_id=str(token.pk)).exists()


def test_revoked_and_expired_tokens_are_refused(api_token, manager):
    from fleetops.services import api_token_authenticate

    key = api_token(manager)
    assert api_token_authenticate(key).user == manager
    assert api_token_revoke(token=ApiToken.objects.get(user=manager), actor=manager)
    assert api_token_authenticate(key) is None

    expired = api_token(manager, expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert api_token_authenticate(expired) is None
    assert api_token_authenticate("fo_not-a-real-key") is None
