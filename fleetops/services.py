"""Write paths shared by every app: API tokens and the audit trail."""

from datetime import datetime

from django.db import models, transaction
from django.utils import timezone

from fleetops.models import ApiToken, AuditEntry


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str | int = "",
    note: str = "",
    data: dict | None = None,
) -> AuditEntry:
    """Append one audit entry. Call it inside the transaction that makes the change."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    return AuditEntry.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        note=note,
        data=data or {},
    )


@transaction.atomic
def api_token_create(
    *, user, name: str, expires_at: datetime | None = None, actor=None
) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the key, which is never stored.
    ``actor``: who creates it (an administrator in the admin), audited; ``user`` when None."""
    key = ApiToken.generate_key()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=key[3 : 3 + ApiToken.PREFIX_LENGTH],
        key_hash=ApiToken.hash_key(key),
        expires_at=expires_at,
    )
    audit_record(actor=actor or user, action="api_token.create", obj=token, note=name)
    return token, key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor) -> bool:
    """Revoke a token; returns False when it was already revoked."""
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if changed:
        audit_record(actor=actor, action="api_token.revoke", obj=token)
    return bool(changed)


def api_token_refusal(key: str) -> str:
    """Why ``key``, a token FleetOps issued, is refused (revoked, expired, its user
    deactivated); empty for a key it never issued, or one that is usable."""
    token = (
        ApiToken.objects.select_related("user").filter(key_hash=ApiToken.hash_key(key)).first()
        if key
        else None
    )
    if token is None:
        return ""
    if token.revoked_at is not None:
        return f"This API token was revoked on {timezone.localtime(token.revoked_at):%Y-%m-%d}."
    if token.expires_at is not None and token.expires_at <= timezone.now():
        return f"This API token expired on {timezone.localtime(token.expires_at):%Y-%m-%d}."
    if not token.user.is_active:
        return "This API token's user is deactivated."
    return ""


def api_token_authenticate(key: str) -> ApiToken | None:
    """The usable token for ``key``, touching its last-used time; None otherwise."""
    if not key:
        return None
    token = (
        ApiToken.objects.usable()
        .select_related("user")
        .filter(key_hash=ApiToken.hash_key(key), user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
