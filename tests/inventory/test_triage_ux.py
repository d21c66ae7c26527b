"""What triage staff met on the demo data: drill-through links the sidebar did not show,
a vehicle count that linked to a longer list, a manual reopen that broke the lifecycle,
fixes that waited for tomorrow's run unsaid, a dead-end probable-match page. (Searches
and bulk actions: ``test_triage_search_bulk``.)"""

import html
import re
from datetime import datetime, timedelta
from functools import partial
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django_q.models import Schedule

from fleetops.models import AuditEntry
from inventory.admin.matches import ProbableMatchAdmin
from inventory.models import (
    InventoryException,
    ProbableMatch,
    ReconciliationRun,
    Vehicle,
    VinAlias,
)
from inventory.services import (
    exception_acknowledge,
    exception_assign,
    exception_reopen,
    exception_resolve,
    exception_snooze,
)
from tests.inventory.factories import make_vin

pytestmark = pytest.mark.django_db
CHICAGO = ZoneInfo("America/Chicago")
DASHBOARD = reverse("inventory:dashboard")
EXCEPTIONS = reverse("admin:inventory_inventoryexception_changelist")
VEHICLES = reverse("admin:inventory_vehicle_changelist")
MATCHES = reverse("admin:inventory_probablematch_changelist")
RECONCILE = reverse("admin:inventory_inventoryexception_reconcile")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# ---- 1. drill-through links use the lists' own filter parameters ----------------------

# What each list's sidebar shows as chosen for a link's parameter (written by hand from
# the filters' labels).
CHOSEN = {
    ("state", "open_all"): "Open (any)",
    ("state", "all"): "All",
    ("holds", "yes"): "Still holds (any state)",
    ("kind__exact", "oem_not_in_cdk"): "OEM order not in CDK",
    ("kind__exact", "not_marketed"): "Not marketed (CDK, not vAuto)",
    ("kind__exact", "ghost_listing"): "Ghost listing (vAuto, not CDK)",
    ("kind__exact", "no_tracking"): "No tracking (CDK, not LoJack)",
    ("priority__exact", "CRITICAL"): "Critical",
    ("priority__exact", "HIGH"): "High",
    ("priority__exact", "MEDIUM"): "Medium",
    ("sla", "breached"): "Breached",
    ("sla", "ok"): "Within SLA",
    ("store", "North"): "North",
    ("store", "South"): "South",
    ("store", "—"): "(no store)",
    ("presence", "tracked"): "In at least one source",
    ("presence", "aligned"): "In CDK, vAuto and LoJack",
    ("presence", "in_cdk"): "In CDK",
    ("presence", "in_vauto"): "In vAuto",
    ("presence", "in_lojack"): "In LoJack",
    ("presence", "in_oem"): "In OEM allocations",
    ("combo", "CVL"): "CVL: CDK, vAuto, LoJack",
    ("combo", "CL"): "CL: CDK, LoJack",
    ("combo", "C"): "C: CDK",
    ("combo", "VO"): "VO: vAuto, OEM",
}


@pytest.fixture
def world(load):
    """Four vehicles in two stores, one with no store in any source (``e``: CDK only), one
    gone from every source."""
    a, b, c, d, e, gone = (make_vin() for _ in range(6))
    load(cdk={a: {"store": "North"}, b: {"store": "South"}, c: {"store": "North"},
              e: {"store": ""}, gone: {"store": "North"}},
         vauto=[a, d], lojack=[a, b], oem={"O1": {"vin": d}, "P": {}})  # fmt: skip
    load(cdk={a: {"store": "North"}, b: {"store": "South"}, c: {"store": "North"},
              e: {"store": ""}})  # fmt: skip
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "gone": gone}


def dashboard_links(body: str) -> list[tuple[str, str]]:
    """``(url, the figure it shows)`` of every link from the dashboard to an admin list."""
    found = re.findall(
        r'<a href="(/admin/inventory/(?:inventoryexception|vehicle)/\?[^"]*)"[^>]*>'
        r'(?:<div class="value">)?([^<]*)<',
        body,
    )
    return [(html.unescape(url), figure) for url, figure in found]


def test_every_dashboard_link_is_shown_by_the_sidebar_and_clears(world, triage_user, client_for):
    client = client_for(triage_user)
    body = client.get(DASHBOARD).content.decode()
    links = dashboard_links(body)
    within = client.get("/api/inventory/dashboard.json").json()["open_by_priority"]
    links += [(p["within_url"], "") for p in within]  # the chart's "within SLA" segments
    assert len(links) > 25
    for url, figure in links:
        path, query = url.split("?", 1) if "?" in url else (url, "")
        params = {k: v[0] for k, v in parse_qs(query).items()}
        response = client.get(url)
        assert response.status_code == 200, url
        cl = response.context["cl"]
        if figure.replace(",", "").isdigit():  # a count (not money, not a share)
            assert cl.result_count == int(figure.replace(",", "")), url
        for name, value in params.items():
            specs = [s for s in cl.filter_specs if name in s.expected_parameters()]
            assert specs, f"{url}: {name} is no filter of the list"
            chosen = [c["display"] for c in specs[0].choices(cl) if c["selected"]]
            assert chosen == [CHOSEN[name, value]], url
        # "Clear all filters": the list unfiltered, each filter on its first choice
        assert cl.has_active_filters, url
        cleared = client.get(path + cl.clear_all_filters_qs).context["cl"]
        assert not cleared.has_active_filters, url
        assert not set(cleared.params) & {p for s in cleared.filter_specs
                                          for p in s.expected_parameters()}  # fmt: skip


def test_a_priority_link_then_another_priority_replaces_it(world, triage_user, client_for):
    """From the dashboard's CRITICAL link, clicking "High" in the sidebar shows the HIGH
    ones, not CRITICAL and HIGH at once (0 rows)."""
    client = client_for(triage_user)
    data = client.get("/api/inventory/dashboard.json").json()
    (critical,) = [p["url"] for p in data["open_by_priority"] if p["priority"] == "CRITICAL"]
    cl = client.get(critical).context["cl"]
    (spec,) = [s for s in cl.filter_specs if "priority__exact" in s.expected_parameters()]
    high = next(c for c in spec.choices(cl) if c["display"] == "High")
    shown = client.get(EXCEPTIONS + high["query_string"]).context["cl"].result_list
    assert {(e.vin, e.kind) for e in shown} == {(world["d"], "ghost_listing"),
                                                (world["c"], "not_marketed"),
                                                (world["b"], "not_marketed"),
                                                (world["e"], "not_marketed")}  # fmt: skip


def test_the_no_store_row_links_to_the_exceptions_without_a_store(world, manager, client_for):
    client = client_for(manager)
    data = client.get("/api/inventory/dashboard.json").json()
    (none,) = [s for s in data["by_store"] if s["store"] == "—"]
    shown = client.get(none["url"]).context["cl"].result_list
    assert {(e.vin, e.kind) for e in shown} == {(world["e"], "not_marketed"),
                                                (world["e"], "no_tracking")}  # fmt: skip
    assert none["total"] == 2


# ---- 2. "Vehicles tracked" links to the vehicles it counts ----------------------------


def test_vehicles_tracked_links_to_the_vehicles_in_a_source(world, manager, client_for):
    client = client_for(manager)
    body = client.get(DASHBOARD).content.decode()
    ((url, figure),) = re.findall(
        r'<a href="([^"]*)"><div class="value">([^<]*)</div><div class="label">Vehicles tracked',
        body,
    )
    assert figure == "5"  # a, b, c, d, e
    shown = client.get(html.unescape(url)).context["cl"]
    assert shown.result_count == 5
    assert world["gone"] not in {v.vin for v in shown.result_list}
    assert Vehicle.objects.count() == 6  # the gone one is still a vehicle, out of the count


# ---- 3. a manual reopen is an automatic reopen's twin ---------------------------------

T0 = datetime(2026, 11, 24, 6, 0, tzinfo=CHICAGO)
T1 = datetime(2026, 11, 28, 6, 0, tzinfo=CHICAGO)
T2 = datetime(2026, 12, 4, 9, 0, tzinfo=CHICAGO)
LIFECYCLE = ("state", "opened_at", "sla_due_at", "closed_at", "close_reason", "times_reopened",
             "acknowledged_at", "snoozed_until", "resolved_by_id")  # fmt: skip


def test_a_manual_reopen_sets_what_the_reconciliations_reopen_sets(load, triage_user):
    auto, manual = make_vin(), make_vin()
    with time_machine.travel(T0, tick=False):  # two OEM orders missing in CDK: CRITICAL
        load(oem={"O1": {"vin": auto}, "O2": {"vin": manual}})
    with time_machine.travel(T1, tick=False):
        load(cdk={auto: {}})  # CDK catches up: cleared by the feed
        by_hand = InventoryException.objects.get(vin=manual, kind="oem_not_in_cdk")
        exception_acknowledge(exceptions=[by_hand], user=triage_user)
        exception_resolve(exceptions=[by_hand], user=triage_user, note="order cancelled")
    with time_machine.travel(T2, tick=False):
        load(cdk={make_vin(): {}})  # gone from CDK again: the reconciliation reopens it
        assert exception_reopen(exceptions=[by_hand], user=triage_user, note="not so") == 1
    automatic = InventoryException.objects.get(vin=auto, kind="oem_not_in_cdk")
    by_hand.refresh_from_db()
    expected = ("open", T2, T2 + timedelta(days=1), None, "", 1, None, None, None)
    assert tuple(getattr(automatic, f) for f in LIFECYCLE) == expected
    assert tuple(getattr(by_hand, f) for f in LIFECYCLE) == expected
    with time_machine.travel(T2 + timedelta(hours=1), tick=False):
        assert (by_hand.age_days, by_hand.sla_breached) == (0, False)


def history_rows(body: str) -> list[tuple[str, ...]]:
    section = body[body.index("<th>When</th>") :]
    section = section[: section.index("</table>")]
    return re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td></tr>",
                      section)  # fmt: skip


def test_the_history_starts_with_the_first_open_and_reads_in_order(load, triage_user, client_for):
    vin = make_vin()
    with time_machine.travel(T0, tick=False):
        load(oem={"O1": {"vin": vin}})
    exc = InventoryException.objects.get(vin=vin, kind="oem_not_in_cdk")
    on = {"exceptions": [exc], "user": triage_user}
    steps = [
        partial(exception_acknowledge, **on),
        partial(exception_assign, **on),
        partial(exception_snooze, **on, note="ETA Friday", until=T2 + timedelta(days=3)),
        partial(exception_resolve, **on, note="cancelled"),
        partial(exception_reopen, **on, note="it was not"),
    ]
    for minute, step in enumerate(steps):
        with time_machine.travel(T2 + timedelta(minutes=minute), tick=False):
            assert step() == 1
    page = reverse("admin:inventory_inventoryexception_change", args=[exc.pk])
    with time_machine.travel(T2 + timedelta(minutes=10), tick=False):
        body = client_for(triage_user).get(page).content.decode()
        listed = client_for(triage_user).get(EXCEPTIONS, {"q": vin}).content.decode()
    who = triage_user.get_username()
    assert history_rows(body) == [
        ("2026-11-24 06:00", "system", "opened", ""),
        ("2026-12-04 09:00", who, "acknowledge", ""),
        ("2026-12-04 09:01", who, "assign", ""),
        ("2026-12-04 09:02", who, "snooze", "ETA Friday"),
        ("2026-12-04 09:03", who, "resolve", "cancelled"),
        ("2026-12-04 09:04", who, "reopen", "it was not"),
    ]
    reopen = AuditEntry.objects.get(action="inventory_exception.reopen")
    assert reopen.data == {"opened_at": T0.astimezone(ZoneInfo("UTC")).isoformat()}
    # the list: the age counts from the reopen, the SLA (1 day for CRITICAL) from there too
    assert "BREACHED" not in listed
    assert "2026-12-05 09:04" in listed
    assert "reopened (1× in all)" in body


def test_a_reopen_the_reconciliation_made_keeps_the_first_open(load, triage_user, client_for):
    """The reconciliation's reopen keeps the opened_at it replaces in its audit entry, as a
    reopen by hand does: the history starts with the first open, not the reopen."""
    vin = make_vin()
    with time_machine.travel(T0, tick=False):
        load(oem={"O1": {"vin": vin}})
    with time_machine.travel(T1, tick=False):
        load(cdk={vin: {}})
    with time_machine.travel(T2, tick=False):
        load(cdk={make_vin(): {}})
    exc = InventoryException.objects.get(vin=vin, kind="oem_not_in_cdk")
    assert exc.opened_at == T2  # the age counts from the reopen
    reopened = AuditEntry.objects.get(action="inventory_exception.reopened", object_id=str(exc.pk))
    assert parse_datetime(reopened.data["opened_at"]) == T0
    page = reverse("admin:inventory_inventoryexception_change", args=[exc.pk])
    rows = history_rows(client_for(triage_user).get(page).content.decode())
    assert rows == [
        ("2026-11-24 06:00", "system", "opened", ""),
        ("2026-11-28 06:00", "system", "cleared", "cleared by feed"),
        ("2026-12-04 09:00", "system", "reopened", "condition is back"),
    ]


# ---- 4. a confirmed match takes effect at the next reconciliation; "Reconcile now" ----

NEXT_RUN = datetime(2026, 12, 8, 6, 0, tzinfo=CHICAGO)


def one_off(vin: str) -> str:
    """``vin`` with its 11th character changed: a listing typed one character off (no
    other test VIN is one character from it: they differ in their serials)."""
    return vin[:10] + ("G" if vin[10] != "G" else "H") + vin[11:]


@pytest.fixture
def pair(load):
    """A CDK vehicle not in vAuto, and its vAuto listing under a VIN one character off."""
    vin = make_vin()
    typo = one_off(vin)
    load(cdk={vin: {"stock": "PF04328R"}}, vauto=[typo], lojack=[vin])
    Schedule.objects.filter(name="inventory: daily reconciliation").update(next_run=NEXT_RUN)
    return ProbableMatch.objects.get(vehicle_vin=vin, listing_vin=typo)


def test_confirming_a_pair_says_it_takes_effect_at_the_next_reconciliation(
    pair, triage_user, client_for
):
    response = client_for(triage_user).post(
        MATCHES, {"action": "confirm", "_selected_action": [pair.pk], "post": "yes"}, follow=True
    )
    assert messages_of(response) == [
        "Confirmed 1 pair. This takes effect at the next reconciliation (2026-12-08 06:00 "
        "America/Chicago), or now with “Reconcile now”: until then the vehicles' exceptions "
        "stay as they are."
    ]
    assert InventoryException.objects.get(vin=pair.vehicle_vin, kind="not_marketed").is_open


def test_reconcile_now_queues_the_apis_run_and_the_fix_shows(
    pair, triage_user, client_for, django_capture_on_commit_callbacks
):
    client = client_for(triage_user)
    client.post(MATCHES, {"action": "confirm", "_selected_action": [pair.pk], "post": "yes"})
    assert f'action="{RECONCILE}"' in client.get(EXCEPTIONS).content.decode()
    before = ReconciliationRun.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RECONCILE, {"next": MATCHES})
    assert (response.status_code, response.url) == (302, MATCHES)
    run = ReconciliationRun.objects.latest("pk")
    assert ReconciliationRun.objects.count() == before + 1
    assert (run.created_by, run.status) == (triage_user, "succeeded")  # sync cluster in tests
    assert not InventoryException.objects.get(vin=pair.vehicle_vin, kind="not_marketed").is_open
    assert messages_of(client.get(MATCHES))[0].startswith(f"Reconciliation #{run.pk} queued")


def test_reconcile_now_refuses_while_one_is_queued_or_running(
    pair, triage_user, client_for, django_capture_on_commit_callbacks
):
    running = ReconciliationRun.objects.create(created_by=triage_user)  # queued, not started
    client = client_for(triage_user)
    before = ReconciliationRun.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(RECONCILE, follow=True)
    assert messages_of(response) == [
        f"Reconciliation #{running.pk} is already queued or running: its results show when it "
        "finishes; nothing new was queued."
    ]
    assert ReconciliationRun.objects.count() == before
    refused = client.post("/api/inventory/refresh")  # the API's refresh: the same service
    assert (refused.status_code, refused.json()["run_id"]) == (409, running.pk)
    assert ReconciliationRun.objects.count() == before


def test_reconcile_now_needs_what_the_apis_refresh_needs(pair, manager, client_for):
    client = client_for(manager)
    assert "Reconcile now" not in client.get(EXCEPTIONS).content.decode()
    before = ReconciliationRun.objects.count()
    assert client.post(RECONCILE).status_code == 403
    assert client.post("/api/inventory/refresh").status_code == 403
    assert ReconciliationRun.objects.count() == before


@pytest.mark.parametrize(
    "target", ["abc", "a\x00b", "a b", "?p=2", "home", "logout", "//evil.example/"]
)
def test_reconcile_now_goes_back_to_the_list_when_next_is_not_a_path_here(
    triage_user, client_for, target
):
    """``next`` is the page the button was on (a path): anything else sent by hand (a
    name Django would try to reverse, a bare word, another host) lands on the exceptions
    list, never a 500 nor a page named by it."""
    response = client_for(triage_user).post(RECONCILE, {"next": target})
    assert (response.status_code, response.url) == (302, EXCEPTIONS)


# ---- 5. the probable-match page decides the pair --------------------------------------


def test_the_pair_page_links_both_vehicles_and_decides_with_the_lists_actions(
    pair, triage_user, client_for
):
    client = client_for(triage_user)
    page = reverse("admin:inventory_probablematch_change", args=[pair.pk])
    body = client.get(page).content.decode()
    assert 'name="_save"' not in body and 'name="_continue"' not in body
    assert set(re.findall(r'name="action" value="(\w+)"', body)) == {"confirm", "dismiss"}
    assert "VINs one character apart" in body and "one_character" not in body
    for vin in (pair.vehicle_vin, pair.listing_vin):
        url = reverse("admin:inventory_vehicle_change", args=[Vehicle.objects.get(vin=vin).pk])
        assert f'<a href="{url}">{vin}</a>' in body
    # a bare POST to the page changes nothing and does not claim it did
    response = client.post(page, {"state": "confirmed"})
    assert response.status_code == 403
    pair.refresh_from_db()
    assert pair.state == "suggested"
    decide = reverse("admin:inventory_probablematch_decide", args=[pair.pk])
    response = client.post(decide, {"action": "confirm", "post": "yes"})
    assert (response.status_code, response.url) == (302, page)
    pair.refresh_from_db()
    assert (pair.state, pair.decided_by) == ("confirmed", triage_user)
    assert VinAlias.objects.get(from_key=pair.listing_key).vin == pair.vehicle_vin
    body = client.get(page).content.decode()
    assert "Confirmed 1 pair." in body
    assert not re.findall(r'name="action" value="(\w+)"', body)  # decided: nothing to offer
    response = client.post(decide, {"action": "dismiss"}, follow=True)
    assert "This pair was confirmed already: nothing to do." in messages_of(response)
    pair.refresh_from_db()
    assert pair.state == "confirmed"


def test_managers_see_the_pair_and_cannot_decide_it(pair, manager, client_for):
    client = client_for(manager)
    body = client.get(reverse("admin:inventory_probablematch_change", args=[pair.pk]))
    assert not re.findall(r'name="action" value="(\w+)"', body.content.decode())
    decide = reverse("admin:inventory_probablematch_decide", args=[pair.pk])
    assert client.post(decide, {"action": "confirm"}).status_code == 403
    pair.refresh_from_db()
    assert pair.state == "suggested"


def test_the_pair_list_reads_its_reasons(pair, triage_user, client_for):
    response = client_for(triage_user).get(MATCHES)
    body = response.content.decode()
    assert "VINs one character apart" in body and ">one_character<" not in body
    cl = response.context["cl"]
    (why,) = [s for s in cl.filter_specs if s.title == "why"]
    assert [c["display"] for c in why.choices(cl)] == [
        "All", "VINs one character apart", "VINs with two adjacent characters swapped",
        "Same last 8 of the VIN and stock number",
    ]  # fmt: skip


def test_a_pair_action_past_its_limit_says_how_many_were_left(
    load, triage_user, client_for, monkeypatch
):
    vins = [make_vin() for _ in range(3)]
    typos = [one_off(v) for v in vins]
    load(cdk={v: {} for v in vins}, vauto=typos, lojack=vins)
    monkeypatch.setattr(ProbableMatchAdmin, "decide_limit", 2, raising=False)
    pks = list(ProbableMatch.objects.values_list("pk", flat=True))
    assert len(pks) == 3
    response = client_for(triage_user).post(
        MATCHES, {"action": "dismiss", "_selected_action": pks, "post": "yes"}, follow=True
    )
    assert messages_of(response) == [
        "Dismissed 2 pairs.",
        "Not decided: 1 more selected pair; one action decides at most 2. Run it "
        "again for the rest.",
    ]
    assert ProbableMatch.objects.filter(state="dismissed").count() == 2


def test_the_people_on_a_change_page_are_names_not_links_triage_cannot_open(
    pair, triage_user, client_for
):
    """Who an exception is assigned to, who resolved it, who decided a pair: by username.
    A link to the user admin would answer 403 to everyone but administrators."""
    client = client_for(triage_user)
    exc = InventoryException.objects.filter(vin=pair.vehicle_vin).first()
    exception_assign(exceptions=[exc.pk], user=triage_user, assignee=triage_user)
    exception_resolve(exceptions=[exc.pk], user=triage_user, note="checked")
    client.post(MATCHES, {"action": "confirm", "_selected_action": [pair.pk], "post": "yes"})
    user_admin = reverse("admin:auth_user_change", args=[triage_user.pk])
    for url in (reverse("admin:inventory_inventoryexception_change", args=[exc.pk]),
                reverse("admin:inventory_probablematch_change", args=[pair.pk])):  # fmt: skip
        body = client.get(url).content.decode()
        assert user_admin not in body, url
        assert f'<div class="readonly">{triage_user.username}</div>' in body, url
    assert client.get(user_admin).status_code == 403  # where the links used to lead
