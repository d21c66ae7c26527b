"""Triage per role: services and admin actions, every change audited, one resolve wins."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from fleetops.models import AuditEntry
from inventory.models import InventoryException
from inventory.services import (
    exception_acknowledge,
    exception_assign,
    exception_reopen,
    exception_resolve,
    exception_snooze,
    vehicles_reconcile,
)
from tests.inventory.factories import make_vin

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:inventory_inventoryexception_changelist")


@pytest.fixture
def criticals(load):
    """Three OEM allocations missing in CDK (CRITICAL) and one not-marketed (HIGH)."""
    vins = [make_vin() for _ in range(3)]
    listed = make_vin()
    load(cdk={listed: {}}, vauto=[], lojack=[listed],
         oem={f"O{i}": {"vin": v} for i, v in enumerate(vins)})  # fmt: skip
    return list(InventoryException.objects.filter(kind="oem_not_in_cdk").order_by("vin"))


def audit(action, obj):
    return AuditEntry.objects.filter(
        action=f"inventory_exception.{action}", object_id=str(obj.pk)
    ).select_related("actor")


def test_triage_actions_change_state_and_are_audited(criticals, triage_user):
    a, b, c = criticals
    assert exception_acknowledge(exceptions=[a], user=triage_user, note="looking") == 1
    assert exception_assign(exceptions=[b], user=triage_user) == 1
    until = timezone.now() + timedelta(days=2)
    assert exception_snooze(exceptions=[c], user=triage_user, until=until, note="ETA Friday") == 1
    for obj in (a, b, c):
        obj.refresh_from_db()
    assert (a.state, b.assigned_to, c.state) == ("acknowledged", triage_user, "snoozed")
    entry = audit("snooze", c).get()
    assert (entry.actor, entry.note) == (triage_user, "ETA Friday")
    assert exception_resolve(exceptions=[a], user=triage_user, note="Keyed into CDK") == 1
    a.refresh_from_db()
    assert (a.state, a.resolved_by, a.note) == ("resolved", triage_user, "Keyed into CDK")
    assert audit("resolve", a).get().note == "Keyed into CDK"
    assert exception_reopen(exceptions=[a], user=triage_user, note="wrong VIN") == 1
    a.refresh_from_db()
    assert a.state == "open" and a.closed_at is None


def test_resolve_needs_a_note(criticals, triage_user):
    with pytest.raises(ValidationError):
        exception_resolve(exceptions=criticals, user=triage_user, note="  ")


@pytest.mark.parametrize("role", ["clerk", "manager", "outsider"])
def test_only_triage_staff_can_resolve(criticals, request, role):
    user = request.getfixturevalue(role)
    with pytest.raises(PermissionDenied):
        exception_resolve(exceptions=criticals, user=user, note="nope")
    assert not InventoryException.objects.filter(state="resolved").exists()


def test_concurrent_resolve_one_wins_the_other_is_told(criticals, triage_user):
    from tests.factories import TriageUserFactory

    other = TriageUserFactory()
    target = criticals[0]
    assert exception_resolve(exceptions=[target], user=triage_user, note="first") == 1
    assert exception_resolve(exceptions=[target], user=other, note="second") == 0
    target.refresh_from_db()
    assert (target.resolved_by, target.note) == (triage_user, "first")
    assert audit("resolve", target).count() == 1


def test_snooze_ends_and_the_exception_is_open_again(criticals, triage_user):
    target = criticals[0]
    exception_snooze(
        exceptions=[target], user=triage_user, until=timezone.now() + timedelta(days=1)
    )
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        vehicles_reconcile()
    target.refresh_from_db()
    assert target.state == "open"


def test_a_snooze_ending_at_a_reconciliation_is_audited_once(criticals, triage_user):
    """The reconciliation that finds a snooze run out opens the exception again and says so
    in its history (the system's step), as it does for a clear or a reopen."""
    target, other = criticals[0], criticals[1]
    exception_snooze(
        exceptions=[target, other], user=triage_user, until=timezone.now() + timedelta(days=1)
    )
    exception_snooze(exceptions=[other], user=triage_user, until=timezone.now() + timedelta(days=9))
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        run = vehicles_reconcile()
        vehicles_reconcile()  # nothing left to end: no second entry
    target.refresh_from_db()
    other.refresh_from_db()
    assert (target.state, target.snoozed_until, other.state) == ("open", None, "snoozed")
    ended = AuditEntry.objects.filter(action="inventory_exception.snooze_ended")
    assert [(e.object_id, e.actor, e.note) for e in ended] == [
        (str(target.pk), None, "snooze ended")
    ]
    assert ended.get().created_at == run.started_at


def test_sla_breach_is_flagged_after_one_day_for_criticals(criticals):
    target = criticals[0]
    assert not target.sla_breached
    with time_machine.travel(target.opened_at + timedelta(days=1, minutes=1)):
        assert target.sla_breached
        assert InventoryException.objects.breached().filter(pk=target.pk).exists()


def test_admin_resolve_action_with_note(criticals, triage_user, client_for):
    client = client_for(triage_user)
    target = criticals[0]
    response = client.post(
        CHANGELIST,
        {"action": "resolve", "_selected_action": [target.pk], "note": "Dealer trade, booked"},
        follow=True,
    )
    assert response.status_code == 200
    target.refresh_from_db()
    assert (target.state, target.note) == ("resolved", "Dealer trade, booked")
    assert audit("resolve", target).get().actor == triage_user
    # And a second resolve of the same row is told it was already done.
    response = client.post(
        CHANGELIST,
        {"action": "resolve", "_selected_action": [target.pk], "note": "again"},
        follow=True,
    )
    assert "someone else changed them first" in response.content.decode()


def test_clerk_sees_no_resolve_action_and_outsider_sees_nothing(criticals, clerk, outsider,
                                                                 client_for):  # fmt: skip
    response = client_for(clerk).get(CHANGELIST)
    assert response.status_code == 200
    form = response.context["action_form"]  # None: no action at all (not even the export)
    actions = [value for value, _ in form.fields["action"].choices] if form else []
    assert "resolve" not in actions and "acknowledge" not in actions
    assert "export_csv" not in actions  # exporting exceptions needs export_inventoryexception
    response = client_for(clerk).post(
        CHANGELIST, {"action": "resolve", "_selected_action": [criticals[0].pk], "note": "x"}
    )
    criticals[0].refresh_from_db()
    assert criticals[0].state == "open"
    assert client_for(outsider).get(CHANGELIST).status_code == 302  # not staff: to login


def test_changelist_filters_and_search(criticals, triage_user, client_for):
    client = client_for(triage_user)
    response = client.get(CHANGELIST, {"priority": "CRITICAL", "state": "open_all"})
    shown = {e.pk for e in response.context["cl"].result_list}
    assert shown == {e.pk for e in criticals}
    response = client.get(CHANGELIST, {"q": criticals[1].vin.lower()})
    assert [e.pk for e in response.context["cl"].result_list] == [criticals[1].pk]
    response = client.get(CHANGELIST, {"q": criticals[2].vin[-8:]})
    assert [e.pk for e in response.context["cl"].result_list] == [criticals[2].pk]


def test_changelist_rows_fit_a_laptop_screen(criticals, triage_user, client_for):
    """Ten columns and the filters, no app list beside them: the kind by its name (its
    sources as the tooltip), the amount in dollars, the priority as a pill."""
    high = InventoryException.objects.get(kind="not_marketed")
    InventoryException.objects.filter(pk=high.pk).update(amount="31234.5")
    body = client_for(triage_user).get(CHANGELIST, {"state": "open_all"}).content.decode()
    assert 'id="nav-sidebar"' not in body
    assert '<span title="Not marketed (CDK, not vAuto)">Not marketed</span>' in body
    assert "$31,234.50" in body
    assert '<span class="pill critical">CRITICAL</span>' in body


def test_changelist_query_count_does_not_grow_with_rows(criticals, triage_user, client_for,
                                                        django_assert_max_num_queries):  # fmt: skip
    client = client_for(triage_user)
    with django_assert_max_num_queries(12):
        client.get(CHANGELIST, {"state": "open_all"})


def test_csv_export_of_selected(criticals, triage_user, client_for):
    response = client_for(triage_user).post(
        CHANGELIST, {"action": "export_csv", "_selected_action": [e.pk for e in criticals]}
    )
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0].startswith("id,vin,stock_number")
    assert len(lines) == 1 + len(criticals)


def test_vehicle_page_shows_presence_rows_and_history(criticals, triage_user, client_for):
    from inventory.models import Vehicle

    vehicle = Vehicle.objects.get(vin=criticals[0].vin)
    response = client_for(triage_user).get(
        reverse("admin:inventory_vehicle_change", args=[vehicle.pk])
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "OEM allocations" in body and "Rows as sent" in body
    assert "OEM order not in CDK" in body
    from django.utils.html import escape

    from inventory.models import SourceRecord

    sent = SourceRecord.objects.get(source="oem", vin=vehicle.vin)
    assert f"<code>{escape(sent.raw_line)}</code>" in body  # the row as the file had it
    assert f"#{sent.feed_import_id} line {sent.line_number}" in body


def test_vehicle_page_says_when_a_vehicle_was_last_seen(load, triage_user, client_for):
    """In a snapshot now: seen today. Gone from every source: the time it left them."""
    from zoneinfo import ZoneInfo

    from inventory.models import Vehicle

    kept, gone = make_vin(), make_vin()
    load(cdk={kept: {}, gone: {}})
    load(cdk={kept: {}})  # the next snapshot has no `gone`
    client = client_for(triage_user)

    def page(vin):
        vehicle = Vehicle.objects.get(vin=vin)
        url = reverse("admin:inventory_vehicle_change", args=[vehicle.pk])
        return vehicle, client.get(url).content.decode()

    _, body = page(kept)
    assert "In the current snapshots" in body
    vehicle, body = page(gone)
    assert vehicle.combo == ""
    left = vehicle.last_seen_at.astimezone(ZoneInfo("America/Chicago"))
    assert f"{left:%Y-%m-%d %H:%M}: gone from every source since." in body


def test_changelist_opens_on_open_work_with_an_all_choice(criticals, triage_user, client_for):
    a, b, c = criticals
    exception_acknowledge(exceptions=[a], user=triage_user)
    exception_snooze(exceptions=[b], user=triage_user, until=timezone.now() + timedelta(days=2))
    exception_resolve(exceptions=[c], user=triage_user, note="Keyed into CDK")
    high = InventoryException.objects.get(kind="not_marketed")
    client = client_for(triage_user)

    def shown(**params):
        response = client.get(CHANGELIST, params)
        return {e.pk for e in response.context["cl"].result_list}, response.content.decode()

    default, body = shown()
    assert default == {a.pk, b.pk, high.pk}  # acknowledged, snoozed, open; not the resolved one
    assert re.search(r'class="selected">\s*<a href="\?state=open_all"', body)  # shown as chosen
    assert "?state=all" in body
    assert shown(state="all")[0] == {a.pk, b.pk, c.pk, high.pk}
    assert shown(state="resolved")[0] == {c.pk}
    assert shown(state="open")[0] == {high.pk}
    # the dashboard's drill-through passes its own filters
    assert shown(state="open_all", priority="CRITICAL")[0] == {a.pk, b.pk}


def test_action_on_ticked_rows_reaches_a_closed_one_and_says_so(criticals, triage_user,
                                                                client_for):  # fmt: skip
    """Resolved by someone else after the list was shown: the action reports it, not 0 of 0."""
    a = criticals[0]
    exception_resolve(exceptions=[a], user=triage_user, note="first")
    response = client_for(triage_user).post(
        CHANGELIST, {"action": "resolve", "_selected_action": [a.pk], "note": "second"},
        follow=True,
    )  # fmt: skip
    assert "1 were not changed" in response.content.decode()
    a.refresh_from_db()
    assert a.note == "first"


def _page(pk):
    return reverse("admin:inventory_inventoryexception_change", args=[pk])


def _triage(pk):
    return reverse("admin:inventory_inventoryexception_triage", args=[pk])


def _offered(body: str) -> set[str]:
    return set(re.findall(r'name="action" value="(\w+)"', body))


def test_exception_page_resolves_it_with_a_note_and_comes_back(criticals, triage_user,
                                                               client_for):  # fmt: skip
    a, *others = criticals
    client = client_for(triage_user)
    body = client.get(_page(a.pk)).content.decode()
    assert _offered(body) == {"acknowledge", "assign_to_me", "snooze", "resolve"}
    assert 'name="_save"' not in body  # every field is read-only: nothing to save
    vehicle_page = reverse("admin:inventory_vehicle_change", args=[a.vehicle_id])
    assert f'<a href="{vehicle_page}">{a.vin}</a>' in body  # on to its sources and rows
    response = client.post(_triage(a.pk), {"action": "resolve", "note": "  "}, follow=True)
    assert "A note is required" in response.content.decode()
    a.refresh_from_db()
    assert a.state == "open"
    response = client.post(_triage(a.pk), {"action": "resolve", "note": "Keyed into CDK"})
    assert (response.status_code, response.url) == (302, _page(a.pk))
    a.refresh_from_db()
    assert (a.state, a.resolved_by, a.note) == ("resolved", triage_user, "Keyed into CDK")
    assert audit("resolve", a).get().note == "Keyed into CDK"
    assert (
        InventoryException.objects.filter(pk__in=[e.pk for e in others], state="open").count() == 2
    )
    body = client.get(_page(a.pk)).content.decode()
    assert "Resolved 1 exception." in body
    assert _offered(body) == {"reopen"}  # what its state allows now


def test_snooze_with_an_unreadable_date_says_so_and_changes_nothing(criticals, triage_user,
                                                                    client_for):  # fmt: skip
    """A date the browser sent as typed (no date picker: ``31/12/2026``) is refused with a
    message, on the exception's page and on the list, not a server error."""
    a, b = criticals[0], criticals[1]
    client = client_for(triage_user)
    response = client.post(_triage(a.pk), {"action": "snooze", "snooze_until": "31/12/2026"},
                           follow=True)  # fmt: skip
    assert response.status_code == 200
    assert "Give the date to snooze until as YYYY-MM-DD" in response.content.decode()
    response = client.post(
        CHANGELIST, {"action": "snooze", "snooze_until": "31/12/2026", "_selected_action": [b.pk]},
        follow=True,
    )  # fmt: skip
    assert "Give the date to snooze until as YYYY-MM-DD" in response.content.decode()
    assert {e.state for e in InventoryException.objects.filter(pk__in=[a.pk, b.pk])} == {"open"}
    assert not audit("snooze", a).exists() and not audit("snooze", b).exists()


def test_exception_page_triage_follows_role_and_state(criticals, clerk, triage_user, client_for):
    a = criticals[0]
    assert _offered(client_for(clerk).get(_page(a.pk)).content.decode()) == set()
    assert client_for(clerk).post(_triage(a.pk), {"action": "acknowledge"}).status_code == 403
    client = client_for(triage_user)
    assert client.get(_triage(a.pk)).status_code == 405  # only a POST changes anything
    response = client.post(_triage(a.pk), {"action": "reopen"}, follow=True)  # it is open
    assert "nothing to do" in response.content.decode()
    a.refresh_from_db()
    assert a.state == "open"
    assert not audit("reopen", a).exists()
    b = criticals[1]
    until = (timezone.localdate() + timedelta(days=3)).isoformat()
    client.post(_triage(b.pk), {"action": "snooze", "snooze_until": until, "note": "ETA"})
    b.refresh_from_db()
    assert (b.state, timezone.localtime(b.snoozed_until).date().isoformat()) == ("snoozed", until)
