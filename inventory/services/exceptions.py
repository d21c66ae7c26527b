"""Triage of inventory exceptions: acknowledge, assign, snooze, resolve, reopen.

Each service changes the rows with a conditional ``update()`` (the row count says
which rows this call changed, so two people resolving at once cannot both win),
writes one audit entry per changed exception in the same transaction, and returns
the number of exceptions it changed.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, DateTimeField, F, Value, When
from django.utils import timezone

from fleetops.models import AuditEntry
from inventory.models import (
    OPEN_STATES,
    ExceptionState,
    InventoryException,
    InventorySettings,
    Priority,
)

RESOLVE_PERM = "inventory.resolve_inventoryexception"
CHANGE_PERM = "inventory.change_inventoryexception"
# The states each triage step applies to; an exception in another state is left as it
# is (and not counted).
ALLOWED_FROM: dict[str, tuple[str, ...]] = {
    "acknowledge": (ExceptionState.OPEN,),
    "assign": OPEN_STATES,
    "snooze": OPEN_STATES,
    "resolve": OPEN_STATES,
    "reopen": (ExceptionState.RESOLVED, ExceptionState.CLEARED),
}


def _ids(exceptions: Iterable) -> list[int]:
    return [e.pk if isinstance(e, InventoryException) else int(e) for e in exceptions]


def _require(user, perm: str) -> None:
    if user is None or not user.has_perm(perm):
        raise PermissionDenied("You do not have permission to do this.")


def _apply(
    *, user, ids: list[int], allowed_states, action: str, audit_note: str = "", data=None,
    remember: str = "", **changes,
) -> int:  # fmt: skip
    """Change the rows still in ``allowed_states``; audit exactly those, each entry with
    ``audit_note``, ``data`` and, when ``remember`` names a field, its value before."""
    now = changes.setdefault("updated_at", timezone.now())
    fields = ("pk", remember) if remember else ("pk",)
    with transaction.atomic():
        candidates = list(
            InventoryException.objects.select_for_update()
            .filter(pk__in=ids, state__in=allowed_states)
            .values_list(*fields)
        )
        changed = InventoryException.objects.filter(
            pk__in=[pk for pk, *_ in candidates], state__in=allowed_states
        ).update(**changes)
        if changed:
            AuditEntry.objects.bulk_create(
                [
                    AuditEntry(
                        actor=user,
                        action=f"inventory_exception.{action}",
                        object_type="inventory.inventoryexception",
                        object_id=str(pk),
                        note=audit_note,
                        data={**(data or {}), **_before(remember, before)},
                        created_at=now,
                    )
                    for pk, *before in candidates
                ]
            )
    return changed


def _before(field: str, values: list) -> dict:
    """``{field: its value before}`` for the audit entry, or nothing (no ``field``)."""
    return {field: values[0].isoformat()} if field else {}


def exception_acknowledge(*, exceptions: Iterable, user, note: str = "") -> int:
    _require(user, CHANGE_PERM)
    return _apply(
        user=user, ids=_ids(exceptions), allowed_states=ALLOWED_FROM["acknowledge"],
        action="acknowledge", audit_note=note, state=ExceptionState.ACKNOWLEDGED,
        acknowledged_at=timezone.now(),
    )  # fmt: skip


def exception_assign(*, exceptions: Iterable, user, assignee=None, note: str = "") -> int:
    """Assign to ``assignee`` (default: ``user`` themself)."""
    _require(user, CHANGE_PERM)
    assignee = assignee or user
    return _apply(
        user=user, ids=_ids(exceptions), allowed_states=ALLOWED_FROM["assign"], action="assign",
        audit_note=note, data={"assignee": assignee.get_username()}, assigned_to=assignee,
    )  # fmt: skip


def exception_snooze(*, exceptions: Iterable, user, until: datetime, note: str = "") -> int:
    _require(user, CHANGE_PERM)
    if until is None or until <= timezone.now():
        raise ValidationError("Snooze until a date in the future.")
    return _apply(
        user=user, ids=_ids(exceptions), allowed_states=ALLOWED_FROM["snooze"], action="snooze",
        audit_note=note, data={"until": until.isoformat()}, state=ExceptionState.SNOOZED,
        snoozed_until=until,
    )  # fmt: skip


def exception_resolve(*, exceptions: Iterable, user, note: str) -> int:
    """Resolve with a note (required). Clerks cannot resolve. Returns how many this call
    resolved: an exception someone else resolved meanwhile is not counted."""
    _require(user, RESOLVE_PERM)
    if not (note or "").strip():
        raise ValidationError("A note is required to resolve an exception.")
    note, now = note.strip(), timezone.now()
    return _apply(
        user=user, ids=_ids(exceptions), allowed_states=ALLOWED_FROM["resolve"],
        action="resolve", audit_note=note, state=ExceptionState.RESOLVED, closed_at=now,
        resolved_by=user, close_reason="resolved", note=note[:2000], snoozed_until=None,
        updated_at=now,
    )  # fmt: skip


def exception_reopen(*, exceptions: Iterable, user, note: str = "") -> int:
    """Reopen resolved (or cleared) exceptions by hand, as the reconciliation reopens one
    whose condition is back (``reconcile_exceptions.exceptions_apply``): ``opened_at`` is
    when the current open spell began (the age counts from it), the SLA is due that many
    days after it, ``times_reopened`` goes up by one, and the acknowledgement, snooze and
    resolver go. Each audit entry keeps the ``opened_at`` it replaced (``data``), so the
    history still shows when the exception first opened."""
    _require(user, RESOLVE_PERM)
    now = timezone.now()
    settings = InventorySettings.load()
    due = Case(
        *(When(priority=p, then=Value(now + timedelta(days=settings.sla_days(p))))
          for p in Priority.values),
        output_field=DateTimeField(),
    )  # fmt: skip
    return _apply(
        user=user, ids=_ids(exceptions), allowed_states=ALLOWED_FROM["reopen"],
        action="reopen", audit_note=note, remember="opened_at", state=ExceptionState.OPEN,
        opened_at=now, sla_due_at=due, closed_at=None, close_reason="",
        times_reopened=F("times_reopened") + 1, acknowledged_at=None, snoozed_until=None,
        resolved_by=None, updated_at=now,
    )  # fmt: skip
