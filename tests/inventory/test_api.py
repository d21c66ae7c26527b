"""Inventory API: upload, summary, refresh, exceptions filters, vehicle, matrix, JSON export."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from inventory.models import FeedImport, InventoryException, ReconciliationRun, SourceRecord
from tests.inventory.factories import lojack_rows, make_vin

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(load):
    a, b, c, d = (make_vin() for _ in range(4))
    load(cdk={a: {"store": "North"}, b: {"store": "South"}, c: {"store": "North"}},
         vauto=[a, d], lojack=[a, b], oem={"O1": {"vin": d}, "P": {}})  # fmt: skip
    return {"a": a, "b": b, "c": c, "d": d}


def get(client, path, **params):
    return client.get(f"/api/inventory/{path}", params)


def test_upload_feed_multipart(clerk, client_for):
    client = client_for(clerk)
    vin = make_vin()
    response = client.post(
        "/api/inventory/feeds/lojack",
        {"file": SimpleUploadedFile("lj.csv", lojack_rows([vin])), "store": ""},
    )
    assert response.status_code == 201, response.content
    assert response.json()["vehicles"] == 1
    assert SourceRecord.objects.filter(source="lojack", vin=vin).exists()
    bad = client.post(
        "/api/inventory/feeds/cdk", {"file": SimpleUploadedFile("x.csv", b"Make\nFord\n")}
    )
    assert bad.status_code == 422 and bad.json()["status"] == "rejected"


@pytest.mark.parametrize(
    ("store", "message"),
    [("North\x00", "control characters"), ("S" * 61, "longer than 60 characters")],
)
def test_upload_refuses_a_store_name_no_store_has(clerk, client_for, store, message):
    """422 with the reason and no run (PostgreSQL refuses NUL in text: this was a 500)."""
    response = client_for(clerk).post(
        "/api/inventory/feeds/lojack",
        {"file": SimpleUploadedFile("lj.csv", lojack_rows([make_vin()])), "store": store},
    )
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert not FeedImport.objects.exists() and not SourceRecord.objects.exists()


def test_upload_needs_the_import_permission(manager, client_for):
    response = client_for(manager).post(
        "/api/inventory/feeds/lojack", {"file": SimpleUploadedFile("lj.csv", b"VIN\n")}
    )
    assert response.status_code == 403


def test_summary_with_a_token_is_the_reconcile_object(world, manager, api_token, client):
    key = api_token(manager)
    data = client.get("/api/inventory/summary", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert data["vehicles"] == 4
    assert data["exceptions"] == {"oem_not_in_cdk": 1, "not_marketed": 2, "ghost_listing": 1,
                                  "no_tracking": 1}  # fmt: skip
    assert data["matrix"] == {"CVL": 1, "CL": 1, "C": 1, "VO": 1}
    matrix = client.get("/api/inventory/matrix", HTTP_AUTHORIZATION=f"Bearer {key}").json()
    assert matrix["matrix"] == data["matrix"]


def test_refresh_queues_a_run_and_returns_its_id(
    world, triage_user, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(triage_user).post("/api/inventory/refresh")
    assert response.status_code == 202
    run = ReconciliationRun.objects.get(pk=response.json()["run_id"])
    assert run.status == "succeeded"  # tests run django-q2 in sync mode


def test_a_queued_run_can_be_followed_to_its_figures(
    world, triage_user, manager, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        run_id = client_for(triage_user).post("/api/inventory/refresh").json()["run_id"]
    followed = client_for(manager).get(f"/api/inventory/reconciliations/{run_id}")
    assert followed.status_code == 200
    data = followed.json()
    assert (data["run_id"], data["status"], data["error"]) == (run_id, "succeeded", "")
    assert data["finished_at"] is not None
    # its figures are the summary's (it is the latest run), computed for the world by hand
    assert data["summary"] == client_for(manager).get("/api/inventory/summary").json()
    assert data["summary"]["run_id"] == run_id and data["summary"]["vehicles"] == 4


def test_a_failed_run_is_followed_to_its_error_and_an_unknown_one_is_404(
    world, triage_user, client_for
):
    failed = ReconciliationRun.objects.create(status="failed", error="RuntimeError: boom")
    data = client_for(triage_user).get(f"/api/inventory/reconciliations/{failed.pk}").json()
    assert (data["status"], data["error"]) == ("failed", "RuntimeError: boom")
    assert data["summary"] is None
    missing = client_for(triage_user).get(f"/api/inventory/reconciliations/{failed.pk + 1}")
    assert missing.status_code == 404
    assert missing.json() == {"detail": f"No reconciliation run {failed.pk + 1}."}


def test_refresh_is_refused_to_managers(manager, client_for):
    assert client_for(manager).post("/api/inventory/refresh").status_code == 403


def test_exception_filters(world, triage_user, client_for):
    client = client_for(triage_user)
    assert get(client, "exceptions", kind="not_marketed").json()["count"] == 2
    assert get(client, "exceptions", priority="CRITICAL").json()["results"][0]["vin"] == world["d"]
    north = get(client, "exceptions", store="North", state="open").json()
    assert {r["vin"] for r in north["results"]} == {world["c"], world["d"]}
    south = get(client, "exceptions", store="South", kind="not_marketed").json()
    assert [r["vin"] for r in south["results"]] == [world["b"]]
    page = get(client, "exceptions", page_size=2, page=2).json()
    assert (page["count"], len(page["results"])) == (5, 2)
    InventoryException.objects.filter(vin=world["c"], kind="no_tracking").update(
        opened_at=timezone.now() - timedelta(days=10), sla_due_at=timezone.now() - timedelta(days=3)
    )
    old = get(client, "exceptions", min_age_days=7).json()
    assert [(r["vin"], r["kind"]) for r in old["results"]] == [(world["c"], "no_tracking")]
    breached = get(client, "exceptions", sla_breached="true").json()
    assert [r["vin"] for r in breached["results"]] == [world["c"]]
    assert get(client, "exceptions", state="bogus").status_code == 422


def test_vehicle_detail(world, triage_user, client_for):
    data = get(client_for(triage_user), f"vehicles/{world['a'].lower()}").json()
    assert data["presence"] == {"cdk": True, "vauto": True, "lojack": True, "oem": False}
    assert {r["source"] for r in data["source_rows"]} == {"cdk", "vauto", "lojack"}
    assert get(client_for(triage_user), "vehicles/NOPE").status_code == 404


def test_outsiders_get_403_everywhere(world, outsider, client_for):
    client = client_for(outsider)
    for path in ("summary", "matrix", "exceptions", f"vehicles/{world['a']}", "dashboard.json"):
        assert get(client, path).status_code == 403, path


def test_dashboard_json_export(world, manager, client_for):
    data = get(client_for(manager), "dashboard.json").json()
    assert data["summary"]["vehicles"] == 4
    assert [p["priority"] for p in data["open_by_priority"]] == ["CRITICAL", "HIGH", "MEDIUM"]
    assert data["oldest_criticals"][0]["vin"] == world["d"]


def test_the_age_filters_select_by_the_age_the_api_shows(world, triage_user, client_for):
    """``min_age_days=N&max_age_days=N`` lists exactly the exceptions whose ``age_days`` is N
    (whole days from opening to closing, or to now while not closed). Before, the maximum
    was exclusive: an exception N days old was never listed with ``max_age_days=N``."""
    now = timezone.now()
    day, second = timedelta(days=1), timedelta(seconds=1)
    vehicle = InventoryException.objects.get(vin=world["b"]).vehicle
    for kind in ("ghost_listing", "no_tracking"):  # two more rows (one per VIN and kind)
        InventoryException.objects.create(vehicle=vehicle, vin=vehicle.vin, kind=kind,
                                          priority="HIGH", store="North")  # fmt: skip
    rows = list(InventoryException.objects.order_by("pk"))
    assert len(rows) == 7
    when = [  # (opened_at, closed_at): the age each gets
        (now - 3 * day, None),  # 3, to the second
        (now - 4 * day + second, None),  # 3, a second short of 4
        (now - 4 * day, None),  # 4
        (now - 3 * day + second, None),  # 2, a second short of 3
        (now - 30 * day, now - 27 * day + second),  # 3: closed three days after opening
        (now - 3 * day, now - 2 * day),  # 1: opened three days ago, closed the next day
        (now - 10 * day, now - day),  # 9
    ]
    for row, (opened_at, closed_at) in zip(rows, when, strict=True):
        state = "resolved" if closed_at else "open"
        InventoryException.objects.filter(pk=row.pk).update(
            opened_at=opened_at, closed_at=closed_at, state=state
        )
    client = client_for(triage_user)
    with time_machine.travel(now, tick=False):
        ages = {e.pk: e.age_days for e in InventoryException.objects.all()}
        assert sorted(ages.values()) == [1, 2, 3, 3, 3, 4, 9]
        for low, high in [(3, 3), (0, 0), (2, 4), (4, 9), (10, 20), (None, 3), (3, None)]:
            params = {"min_age_days": low, "max_age_days": high}
            params = {name: days for name, days in params.items() if days is not None}
            data = get(client, "exceptions", page_size=200, **params).json()
            found = {r["id"]: r["age_days"] for r in data["results"]}
            expected = {
                pk: age for pk, age in ages.items()
                if (low is None or age >= low) and (high is None or age <= high)
            }  # fmt: skip
            assert found == expected, params
            assert data["count"] == len(expected), params
        exactly_3 = get(client, "exceptions", min_age_days=3, max_age_days=3).json()["results"]
        assert sorted(r["id"] for r in exactly_3) == [rows[0].pk, rows[1].pk, rows[4].pk]


def test_the_store_filter_ignores_case(world, triage_user, client_for):
    client = client_for(triage_user)
    north = {r["id"] for r in get(client, "exceptions", store="North").json()["results"]}
    assert len(north) == 4  # c: not marketed, no tracking; d: ghost listing, OEM not in CDK
    for spelling in ("north", "NORTH", "nOrTh"):
        data = get(client, "exceptions", store=spelling).json()
        assert {r["id"] for r in data["results"]} == north, spelling
        assert data["count"] == 4
    assert get(client, "exceptions", store="nort").json()["count"] == 0
