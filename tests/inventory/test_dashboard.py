"""Dashboard page: managers see it with drill-through links; others are refused."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django_q.models import Schedule

from inventory.models import InventoryException, ReconciliationRun
from tests.inventory.factories import make_vin

pytestmark = pytest.mark.django_db
URL = reverse("inventory:dashboard")
EXCEPTIONS = reverse("admin:inventory_inventoryexception_changelist")


def test_manager_sees_kpis_charts_and_links(load, manager, client_for):
    a, b = make_vin(), make_vin()
    load(cdk={a: {}, b: {}}, vauto=[a], lojack=[a], oem={"O": {"vin": make_vin()}})
    response = client_for(manager).get(URL)
    body = response.content.decode()
    assert response.status_code == 200
    assert "vendor/plotly.min.js" in body and "cdn.plot.ly" not in body
    assert 'id="inv-matrix"' in body and 'id="inv-trend"' in body
    assert "inventory/inventory.js" in body  # re-fits the charts drawn before the grid existed
    # drill-through: the critical card links to the filtered admin list
    assert f"{EXCEPTIONS}?state=open_all&amp;priority__exact=CRITICAL" in body
    assert "/admin/inventory/vehicle/?combo=CVL" in body


def test_cards_name_the_sources_and_the_run_ends_in_local_time(load, manager, client_for):
    a = make_vin()
    load(cdk={a: {}}, vauto=[a], lojack=[a], oem={"O": {"vin": make_vin()}})
    body = client_for(manager).get(URL).content.decode()
    for name in ("CDK", "vAuto", "LoJack", "OEM allocations"):
        assert f"In {name} (" in body
    run = ReconciliationRun.objects.latest("pk")
    local = run.finished_at.astimezone(ZoneInfo("America/Chicago"))
    assert f"finished {local:%Y-%m-%d %H:%M} {local:%Z}." in body  # CST or CDT, not UTC


def test_dashboard_query_count_is_fixed(load, manager, client_for, django_assert_max_num_queries):
    a = make_vin()
    load(cdk={a: {}}, vauto=[a], lojack=[a], oem={"P": {}})
    client = client_for(manager)
    with django_assert_max_num_queries(12):
        client.get(URL)


@pytest.mark.parametrize("role", ["clerk", "outsider"])
def test_dashboard_refused_without_the_permission(request, role, client_for):
    assert client_for(request.getfixturevalue(role)).get(URL).status_code == 403


def test_daily_schedule_exists_once_at_six_chicago():
    from importlib import import_module

    schedules = Schedule.objects.filter(name="inventory: daily reconciliation")
    assert schedules.count() == 1
    schedule = schedules.get()
    assert (schedule.func, schedule.cron) == ("inventory.tasks.reconcile_task", "0 6 * * *")
    local = schedule.next_run.astimezone(ZoneInfo("America/Chicago"))
    assert (local.hour, local.minute) == (6, 0)
    # Running the migration's function again creates nothing new (idempotent).
    migration = import_module("inventory.migrations.0003_reconcile_schedule")
    from django.apps import apps

    migration.forwards(apps, None)
    assert Schedule.objects.filter(name="inventory: daily reconciliation").count() == 1
    summer = migration.next_six_am(datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("UTC")))
    assert summer == datetime(2026, 7, 2, 6, 0, tzinfo=ZoneInfo("America/Chicago"))


def _hand_counts(now):
    """(open, past SLA at ``now``) per priority, counted row by row in Python."""
    from inventory.models import OPEN_STATES

    counts = {p: [0, 0] for p in ("CRITICAL", "HIGH", "MEDIUM")}
    for e in InventoryException.objects.all():
        if e.state in OPEN_STATES:
            counts[e.priority][0] += 1
            counts[e.priority][1] += e.sla_due_at < now
    return {p: tuple(c) for p, c in counts.items()}


def _page_counts(data):
    return {p["priority"]: (p["open"], p["breached"]) for p in data["open_by_priority"]}


def test_priority_counts_come_from_the_runs_snapshot_and_age_past_sla(
    load, manager, triage_user, client_for
):
    import time_machine

    from inventory.dashboard import dashboard_data
    from inventory.services.exceptions import exception_resolve

    chicago = ZoneInfo("America/Chicago")
    day0 = datetime(2026, 3, 2, 6, 0, tzinfo=chicago)
    a, b, c, d, e = (make_vin() for _ in range(5))
    with time_machine.travel(day0, tick=False):
        # a: CDK only (not marketed HIGH + no tracking MEDIUM); b: vAuto only (ghost HIGH);
        # c: OEM only (CRITICAL); d: aligned
        first = load(cdk={a: {}, d: {}}, vauto=[b, d], lojack=[d], oem={"O1": {"vin": c}})
        data = dashboard_data()
        assert _page_counts(data) == {"CRITICAL": (1, 0), "HIGH": (2, 0), "MEDIUM": (1, 0)}
        assert data["priority_counts_as_of_run"] == first.pk
    with time_machine.travel(day0 + timedelta(days=2), tick=False):
        # a second run a day later opens e's CRITICAL (due a day after this run)
        second = load(
            cdk={a: {}, d: {}}, vauto=[b, d], lojack=[d],
            oem={"O1": {"vin": c}, "O2": {"vin": e}},
        )  # fmt: skip
        now = datetime.now(tz=chicago)
        assert _page_counts(dashboard_data()) == _hand_counts(now)
        assert _hand_counts(now)["CRITICAL"] == (2, 1)  # c is past its day, e is not
    for days in (3.5, 4.5, 8):  # no new run: past-SLA figures follow the clock
        with time_machine.travel(day0 + timedelta(days=days), tick=False):
            now = datetime.now(tz=chicago)
            data = dashboard_data()
            assert _page_counts(data) == _hand_counts(now), days
            assert data["priority_counts_as_of_run"] == second.pk
    assert _hand_counts(now) == {"CRITICAL": (2, 2), "HIGH": (2, 2), "MEDIUM": (1, 1)}
    # triage after the run: the figures are the snapshot with the triage done since, so
    # they equal the drill-through list (live), which no longer shows the resolved row
    critical = InventoryException.objects.get(vin=c)
    with time_machine.travel(day0 + timedelta(days=8), tick=False):
        exception_resolve(exceptions=[critical], user=triage_user, note="sold")
        now = datetime.now(tz=chicago)
        body = client_for(manager).get(URL).content.decode()
        assert _page_counts(dashboard_data()) == _hand_counts(now)
        assert _page_counts(dashboard_data())["CRITICAL"] == (1, 1)
    assert f"The exceptions open at run #{second.pk}" in body
    assert "with the triage done since" in body
    assert f"{EXCEPTIONS}?state=open_all&amp;priority__exact=CRITICAL" in body
    assert InventoryException.objects.open().filter(priority="CRITICAL").count() == 1


def test_priority_counts_live_when_the_run_has_no_snapshot(load):
    from inventory.dashboard import dashboard_data
    from inventory.models import ReconciliationRun

    a = make_vin()
    run = load(cdk={a: {}}, vauto=[], lojack=[], oem={"O": {"vin": make_vin()}})
    ReconciliationRun.objects.filter(pk=run.pk).update(open_by_priority={})  # a pre-0010 run
    data = dashboard_data()
    assert data["priority_counts_as_of_run"] is None
    assert _page_counts(data) == _hand_counts(datetime.now(tz=ZoneInfo("UTC")))
    assert _page_counts(data)["HIGH"] == (1, 0) and _page_counts(data)["CRITICAL"] == (1, 0)


def test_oldest_criticals_are_read_in_one_query_whatever_their_number(load, manager, client_for):
    """The table of the oldest open criticals (ten rows) shows each one's age and SLA from
    the one query that lists them: the age reads ``closed_at``, which the list left out, so
    each row cost a query of its own. The page reads as many queries for one critical as
    for ten."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inventory.dashboard import dashboard_data
    from inventory.selectors import oldest_open_criticals

    client = client_for(manager)

    def page_queries() -> int:
        client.get(URL)  # the session and anything cached once are read before counting
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries)

    def criticals_listed(count: int) -> list:
        with CaptureQueriesContext(connection) as queries:
            shown = [(e.vin, e.age_days, e.sla_breached) for e in oldest_open_criticals()]
        assert len(queries) == 1  # the list and what each row shows, together
        assert len(shown) == count and {age for _, age, _ in shown} == {0}  # opened today
        assert len(dashboard_data()["oldest_criticals"]) == count
        return shown

    load(oem={"O0": {"vin": make_vin()}})
    criticals_listed(1)
    with_one = page_queries()

    load(oem={f"O{i}": {"vin": make_vin()} for i in range(12)})
    criticals_listed(10)  # the table's ten of the twelve
    assert page_queries() == with_one  # none per row


def test_oldest_criticals_show_the_share_at_risk_under_its_name(load, manager, client_for):
    """With part of an allocation's MSRP counted at risk (the setting), the table's money
    column is that share, headed as such: not "MSRP" over half the MSRP."""
    from decimal import Decimal

    from inventory.models import InventorySettings

    settings = InventorySettings.load()
    settings.oem_at_risk_share = Decimal("0.5")
    settings.save()
    load(oem={"O1": {"vin": make_vin(), "msrp": "50000"}})
    body = client_for(manager).get(URL).content.decode()
    table = body[body.index("<h2>Oldest open criticals</h2>") :]
    table = table[: table.index("</table>")]
    assert "<th>At risk (share of MSRP)</th>" in table and "<th>MSRP</th>" not in table
    assert "<td>$25,000</td>" in table  # by hand: 50,000 × 0.5
