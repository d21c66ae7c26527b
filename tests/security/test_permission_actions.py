"""The permission matrix, part two: every admin bulk action actually posted by every role.

The matrix (test_permission_matrix.py) reads each changelist's action dropdown; here each
action the admin site offers (what a superuser sees in the dropdown) is POSTed by every
role against a seeded object put in a state where the action applies, and the outcome is
compared with the same hand-written table (``EXPECTED``): a role the table allows must
change something (the object, or a run/audit/queue row; an export must hand back the
file or its export form), a role it does not allow must be refused with nothing changed.

One seed for the whole walk: each post runs in a savepoint rolled back afterwards, so
every role meets the same seeded state.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    AdminFactory,
    ClerkFactory,
    ManagerFactory,
    OutsiderFactory,
    TriageUserFactory,
)
from tests.security.seed import seed_everything
from tests.security.test_permission_matrix import _ACTION_SELECT, EXPECTED, OFFERED, ROLES

pytestmark = pytest.mark.django_db

FACTORIES = {
    "outsider": OutsiderFactory,
    "clerk": ClerkFactory,
    "triage": TriageUserFactory,
    "manager": ManagerFactory,
    "admin": AdminFactory,
}


def _table_key(action: str) -> str:
    """How the table names a bulk action (as the matrix does)."""
    if action == "delete_selected":
        return "delete"
    if "export" in action:
        return "export"
    return f"act:{action}"


def _offered_actions(client: Client, model) -> list[str]:
    """The bulk actions in the changelist's dropdown for ``client`` (the admin)."""
    info = (model._meta.app_label, model._meta.model_name)
    html = client.get(reverse("admin:{}_{}_changelist".format(*info))).content.decode()
    select = _ACTION_SELECT.search(html)
    return re.findall(r'<option value="([^"]+)"', select.group(1) if select else "")


def _target(model, action: str):
    """A seeded object of ``model`` in a state where ``action`` does something."""
    from django.contrib.auth.models import Group, User

    from inventory.models import InventoryException

    label = model._meta.label_lower
    if label == "auth.user":  # never the acting user: a bystander
        return User.objects.create_user("bystander", password="x")
    if label == "auth.group":
        return Group.objects.create(name="bystanders")
    if label == "inventory.inventoryexception":
        exc = InventoryException.objects.filter(state="open").order_by("pk").first()
        if action == "reopen":
            InventoryException.objects.filter(pk=exc.pk).update(
                state="resolved", closed_at=timezone.now()
            )
        return exc
    if label == "invoices.rawinvoice":
        return model.objects.get(primary_key="SEC3")  # the failed one: reprocess applies
    if label == "fleetops.apitoken":
        return model.objects.filter(revoked_at=None).order_by("pk").first()
    if action == "delete_selected":
        return _deletable(model)
    return model._default_manager.order_by("pk").first()


def _deletable(model):
    """A row nothing protects from deletion (a classicmodels office has its employees)."""
    from django.contrib.admin.utils import NestedObjects

    for obj in model._default_manager.order_by("-pk")[:200]:
        collector = NestedObjects(using="default")
        collector.collect([obj])
        if not collector.protected:
            return obj
    # Every seeded row is in use (an office has its staff): a fresh copy nothing uses.
    obj = model._default_manager.order_by("pk").first()
    pk_field = model._meta.pk
    is_text = pk_field.get_internal_type() == "CharField"
    obj.pk = "MATRIX"[: pk_field.max_length] if is_text else None
    obj.save(force_insert=True)
    return obj


def _snapshot(model, pk) -> tuple:
    """The target row and the rows an action leaves behind (runs, audit, queue)."""
    from django_q.models import OrmQ, Task

    from fleetops.models import AuditEntry
    from invoices.models import IngestRun

    row = list(model._default_manager.filter(pk=pk).values())
    return (row, AuditEntry.objects.count(), OrmQ.objects.count(), Task.objects.count(),
            IngestRun.objects.count())  # fmt: skip


def _post(client: Client, model, action: str, pk) -> object:
    info = (model._meta.app_label, model._meta.model_name)
    data = {"action": action, "_selected_action": [pk], "select_across": "0", "index": "0"}
    if action == "delete_selected" or model._meta.label_lower == "inventory.probablematch":
        data["post"] = "yes"  # the confirmation page's answer
    if model._meta.label_lower == "inventory.inventoryexception":
        data["note"] = "permission matrix"
        data["snooze_until"] = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    return client.post(reverse("admin:{}_{}_changelist".format(*info)), data)


def _exported(response) -> bool:
    """An export handed over: a file, or import-export's export form for the selection."""
    if response.status_code != 200:
        return False
    if "attachment" in response.get("Content-Disposition", ""):
        return True
    html = response.content.decode(errors="replace")
    return 'name="format"' in html and "export" in html.lower()


def test_every_bulk_action_posted_by_every_role_does_exactly_what_the_table_says():
    superuser = AdminFactory()
    seed_everything(user=superuser)
    clients = {"anonymous": Client()}
    for role, factory in FACTORIES.items():
        clients[role] = Client()
        clients[role].force_login(factory())
    cases = [
        (model, action)
        for model in admin.site._registry
        for action in _offered_actions(clients["admin"], model)
    ]
    # The dropdown offers what the table's OFFERED says (the matrix checks the rest).
    for model, action in cases:
        assert _table_key(action) in OFFERED[model._meta.label_lower], (model, action)
    assert len(cases) >= 20, cases

    problems: list[str] = []
    for model, action in cases:
        label = model._meta.label_lower
        for role in ROLES:
            allowed = _table_key(action) in EXPECTED[role].admin.get(label, frozenset())
            with transaction.atomic():
                obj = _target(model, action)
                before = _snapshot(model, obj.pk)
                response = _post(clients[role], model, action, obj.pk)
                after = _snapshot(model, obj.pk)
                transaction.set_rollback(True)
            if response.status_code >= 500:
                problems.append(f"{role} {label} {action}: {response.status_code}")
                continue
            took_effect = after != before
            if _table_key(action) == "export":
                took_effect = took_effect or _exported(response)
            if allowed and not took_effect:
                problems.append(f"{role} {label} {action}: allowed by the table, had no effect "
                                f"({response.status_code})")  # fmt: skip
            elif not allowed and took_effect:
                problems.append(f"{role} {label} {action}: refused by the table, but it "
                                f"took effect ({response.status_code})")  # fmt: skip
    assert not problems, "\n".join(problems)


def test_a_reader_of_task_history_cannot_resubmit_tasks(manager, client_for):
    """Managers read django-q2's task history; re-running tasks is not theirs to do."""
    from django_q.models import OrmQ, Task

    task = Task.objects.create(
        id="a" * 32, name="t", func="fleetops.tasks.retention_prune_task", started=timezone.now(),
        stopped=timezone.now(), success=False,
    )  # fmt: skip
    client = client_for(manager)
    changelist = reverse("admin:django_q_failure_changelist")
    assert client.get(changelist).status_code == 200
    response = client.post(changelist, {"action": "resubmit_task", "_selected_action": [task.pk]})
    assert response.status_code == 200  # the changelist again, "No action selected"
    assert list(Task.objects.values_list("pk", flat=True)) == [task.pk]  # not re-run, kept
    assert not OrmQ.objects.exists()
