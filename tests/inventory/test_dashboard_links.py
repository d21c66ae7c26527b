"""Every number on the inventory dashboard opens a list of exactly that many rows, also
after triage changed exceptions since the run: the kind and money cards count the
vehicles whose condition held at the run (a resolved exception whose condition still
holds among them), the open figures (per priority, past SLA, per store) the open work."""

import re
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from inventory.models import OPEN_STATES, InventoryException, InventorySettings, Vehicle
from inventory.services import exception_acknowledge, exception_reopen, exception_resolve
from tests.inventory.factories import make_vin

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("inventory:dashboard")


class Links(HTMLParser):
    """``(href, the anchor's texts)`` of every link of a page."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, list[str]]] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self._open = []
            self.found.append((dict(attrs).get("href", ""), self._open))

    def handle_endtag(self, tag):
        if tag == "a":
            self._open = None

    def handle_data(self, data):
        if self._open is not None and data.strip():
            self._open.append(data.strip())


def number(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.fixture
def triaged(load, triage_user):
    """Two runs, then triage: a critical whose condition holds resolved, a not-marketed
    one resolved, one acknowledged, one cleared by the second run reopened by hand."""
    aligned, cdk_only, cdk_lojack, gone = (make_vin() for _ in range(4))
    ghost, oem1, oem2 = make_vin(), make_vin(), make_vin()
    cdk = {aligned: {"cost": "21000.00"}, cdk_only: {"cost": "18000.00"},
           cdk_lojack: {"cost": "26500.00", "store": "South"}}  # fmt: skip
    oem = {"O1": {"vin": oem1, "msrp": "61000"}, "O2": {"vin": oem2, "msrp": "47000"}}
    load(cdk={**cdk, gone: {"cost": "9000.00"}}, vauto=[aligned, ghost],
         lojack=[aligned, cdk_lojack], oem=oem)  # fmt: skip
    load(cdk=cdk, vauto=[aligned, ghost], lojack=[aligned, cdk_lojack], oem=oem)
    exc = InventoryException.objects.get
    exception_resolve(exceptions=[exc(vin=oem1)], user=triage_user, note="on the truck")
    exception_resolve(
        exceptions=[exc(vin=cdk_only, kind="not_marketed")], user=triage_user, note="photos"
    )
    exception_acknowledge(exceptions=[exc(vin=cdk_lojack, kind="not_marketed")],
                          user=triage_user)  # fmt: skip
    cleared = exc(vin=gone, kind="not_marketed")
    assert cleared.state == "cleared"
    exception_reopen(exceptions=[cleared], user=triage_user, note="still on the lot?")


def hand_open():
    """Open exceptions counted row by row: per priority, per store."""
    rows = [e for e in InventoryException.objects.all() if e.state in OPEN_STATES]
    per_priority = {p: sum(e.priority == p for e in rows) for p in ("CRITICAL", "HIGH", "MEDIUM")}
    per_store = {}
    for e in rows:
        per_store[e.store or "—"] = per_store.get(e.store or "—", 0) + 1
    return per_priority, per_store


def test_every_dashboard_number_opens_a_list_of_that_many_after_triage(
    triaged, manager, client_for
):
    client = client_for(manager)
    page = Links()
    page.feed(client.get(DASHBOARD).content.decode())
    exceptions = reverse("admin:inventory_inventoryexception_changelist")
    vehicles = reverse("admin:inventory_vehicle_changelist")
    share = InventorySettings.load().oem_at_risk_share
    money = {  # what each money card adds up, from the vehicles the list shows
        "oem_not_in_cdk": lambda v: v.msrp * share,
        "not_marketed": lambda v: v.cost,
        "no_tracking": lambda v: v.cost,
    }
    checked = {"count": 0, "money": 0, "exception": 0}
    for href, texts in page.found:
        href = unescape(href)
        if not href.startswith((exceptions, vehicles)):
            continue
        if re.fullmatch(rf"{exceptions}\d+/change/", href):  # an oldest open critical
            e = InventoryException.objects.get(pk=href.split("/")[-3])
            assert (texts[0], e.priority, e.state in OPEN_STATES) == (e.vin, "CRITICAL", True)
            checked["exception"] += 1
            continue
        response = client.get(href)
        assert response.status_code == 200, href
        cl = response.context["cl"]
        shown = texts[0]
        if shown.startswith("$"):  # a money card: the sum over the rows listed
            kind = re.search(r"kind__exact=(\w+)", href).group(1)
            listed = Vehicle.objects.filter(vin__in=cl.queryset.values("vin"))
            total = sum((money[kind](v) for v in listed), Decimal(0))
            if "Floorplan" in " ".join(texts):
                total *= InventorySettings.load().floorplan_monthly_rate
            assert f"${total:,.0f}" == shown, href
            checked["money"] += 1
            continue
        if shown.endswith("%"):  # aligned: the count is in its label
            shown = re.search(r"\(([\d,]+) in CDK", " ".join(texts)).group(1)
        assert cl.result_count == number(shown), (href, texts)
        checked["count"] += 1
    # 2 vehicle cards, 4 sources, 4 kinds, critical card, 3 priorities x 2, 2 stores,
    # the matrix cells; 4 money cards; the oldest criticals (oem2 open, oem1 resolved)
    assert checked["count"] >= 19 and checked["money"] == 4 and checked["exception"] == 1


def test_the_cards_count_what_holds_and_the_open_figures_what_is_open_now(
    triaged, manager, client_for
):
    data = client_for(manager).get("/api/inventory/dashboard.json").json()
    # the kinds: the vehicles with the condition, whatever the triage (resolved included)
    assert data["summary"]["exceptions"] == {
        "oem_not_in_cdk": 2, "not_marketed": 2, "ghost_listing": 1, "no_tracking": 1,
    }  # fmt: skip
    per_priority, per_store = hand_open()
    assert {p["priority"]: p["open"] for p in data["open_by_priority"]} == per_priority
    # oem2; cdk_lojack (acknowledged), ghost, gone (reopened); cdk_only not tracked
    assert per_priority == {"CRITICAL": 1, "HIGH": 3, "MEDIUM": 1}
    assert {s["store"]: s["total"] for s in data["by_store"]} == per_store


def test_past_the_limit_of_triage_steps_the_open_figures_stay_the_runs_and_say_so(
    triaged, manager, client_for, monkeypatch
):
    """After a bulk action (more steps since the run than the page reads), the open
    figures are the run's as it left them: before the triage above, oem1 and oem2 open
    (CRITICAL 2); cdk_only and cdk_lojack not marketed and the ghost listing (HIGH 3, gone
    cleared); cdk_only not tracked (MEDIUM 1). The page says the triage is not in them."""
    from inventory import selectors

    monkeypatch.setattr(selectors, "TRIAGED_LIMIT", 3)  # the fixture took 4 steps
    client = client_for(manager)
    data = client.get("/api/inventory/dashboard.json").json()
    assert {p["priority"]: p["open"] for p in data["open_by_priority"]} == {
        "CRITICAL": 2, "HIGH": 3, "MEDIUM": 1,
    }  # fmt: skip
    assert data["triage_since_counted"] is False
    assert "before the thousands of triage steps" in client.get(DASHBOARD).content.decode()
    monkeypatch.setattr(selectors, "TRIAGED_LIMIT", 4)
    data = client.get("/api/inventory/dashboard.json").json()
    assert data["triage_since_counted"] is True
    assert {p["priority"]: p["open"] for p in data["open_by_priority"]} == hand_open()[0]
