"""Uploads: small files ingested in the request, large ones stored and ingested by a task."""

import json
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from invoices.models import IngestRun, LineItem, RawInvoice
from invoices.services.upload import UPLOAD_DIR, upload_ingest
from tests.invoices.payloads import complaint, invoice, tech

pytestmark = pytest.mark.django_db


def _payloads(count):
    return [
        invoice(
            f"U{n}",
            complaints=[complaint(n, labor="25", hours="1", techs=[tech("Ann", 100, "1.5")])],
            sub_total="25",
            total="25",
        )
        for n in range(count)
    ]


def _file(count=3, name="big.json"):
    return SimpleUploadedFile(
        name, json.dumps({"status": "SUCCESS", "resultSet": _payloads(count)}).encode()
    )


def _stored_files():
    try:
        return default_storage.listdir(UPLOAD_DIR)[1]
    except FileNotFoundError:
        return []


@pytest.fixture
def api_clerk(client_for, clerk):
    return client_for(clerk)


def test_a_small_upload_is_ingested_in_the_request(api_clerk, settings):
    settings.INVOICES_UPLOAD_SYNC_MAX_BYTES = 10_000_000
    response = api_clerk.post("/api/invoices/upload", {"file": _file()})
    assert response.status_code == 201
    assert response.json()["status"] == "succeeded" and response.json()["processed"] == 3


def test_a_large_upload_is_queued_then_ingested_by_the_task(
    api_clerk, clerk, settings, django_capture_on_commit_callbacks
):
    settings.INVOICES_UPLOAD_SYNC_MAX_BYTES = 100  # every test file is "large"
    before = set(_stored_files())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api_clerk.post("/api/invoices/upload", {"file": _file(3)})
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "running" and body["fetched"] == 3
    assert not RawInvoice.objects.exists()  # nothing ingested inside the request
    run = IngestRun.objects.get(pk=body["id"])
    assert (run.trigger, run.created_by) == ("upload", clerk)
    assert len(set(_stored_files()) - before) == 1  # the file waits on disk for the task
    assert len(callbacks) == 1
    callbacks[0]()  # the commit enqueues the task; the test cluster runs it at once (sync)
    run.refresh_from_db()
    assert (run.status, run.processed, run.failed, run.line_items_created) == ("succeeded", 3, 0, 3)
    assert run.total_value == Decimal("75.00")
    assert LineItem.objects.filter(technician="Ann").count() == 3
    assert set(_stored_files()) == before  # deleted once ingested
    progress = api_clerk.get(f"/api/invoices/runs/{run.pk}").json()
    assert (progress["status"], progress["processed"]) == ("succeeded", 3)


def test_a_large_upload_that_is_not_json_is_refused_and_nothing_is_queued(
    api_clerk, settings, django_capture_on_commit_callbacks
):
    settings.INVOICES_UPLOAD_SYNC_MAX_BYTES = 1
    before = set(_stored_files())
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = api_clerk.post(
            "/api/invoices/upload", {"file": SimpleUploadedFile("x.json", b"{oops" * 50)}
        )
    assert response.status_code == 422 and "not valid JSON" in response.json()["detail"]
    assert not callbacks and not IngestRun.objects.exists()
    assert set(_stored_files()) == before


def test_admin_upload_of_a_large_file_is_queued(
    client_for, clerk, settings, django_capture_on_commit_callbacks
):
    settings.INVOICES_UPLOAD_SYNC_MAX_BYTES = 100
    url = reverse("admin:invoices_rawinvoice_upload")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(clerk).post(url, {"files": _file(2)}, follow=True)
    assert "2 invoices queued" in response.content.decode()
    run = IngestRun.objects.get()
    assert (run.status, run.processed, run.created_by) == ("succeeded", 2, clerk)
    assert RawInvoice.objects.filter(status="processed").count() == 2


def test_a_redelivered_task_after_success_changes_nothing(
    api_clerk, settings, django_capture_on_commit_callbacks
):
    settings.INVOICES_UPLOAD_SYNC_MAX_BYTES = 100
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run_id = api_clerk.post("/api/invoices/upload", {"file": _file(2)}).json()["id"]
    stored = [name for name in _stored_files() if name.startswith(f"{run_id}-")][0]
    callbacks[0]()
    again = upload_ingest(run_id=run_id, stored=f"{UPLOAD_DIR}/{stored}")
    assert again.pk == run_id and IngestRun.objects.count() == 1
    assert RawInvoice.objects.count() == 2


def test_a_queued_upload_reaped_before_it_ran_is_ingested_under_a_new_run(
    api_clerk, clerk, settings, django_capture_on_commit_callbacks
):
    settings.INVOICES_UPLOAD_SYNC_MAX_BYTES = 100
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run_id = api_clerk.post("/api/invoices/upload", {"file": _file(2)}).json()["id"]
    IngestRun.objects.filter(pk=run_id).update(status="failed", error="interrupted: reaped")
    callbacks[0]()
    fresh = IngestRun.objects.exclude(pk=run_id).get()
    assert (fresh.status, fresh.processed, fresh.created_by) == ("succeeded", 2, clerk)
    assert IngestRun.objects.get(pk=run_id).status == "failed"
