"""Dashboard page: managers see it with drill-through links; others are refused."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django_q.models import Schedule

from tests.inventory.factories import make_vin

pytestmark = pytest.mark.django_db
URL = reverse("inventory:dashboard")


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
    assert "/admin/inventory/inventoryexception/?state=open_all&amp;priority=CRITICAL" in body
    assert "/admin/inventory/vehicle/?combo=CVL" in body


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
