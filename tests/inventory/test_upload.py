"""Clerks upload a feed in the admin: preview with row errors, confirm, background import."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inventory.models import FeedImport, FeedUpload, SourceRecord
from tests.inventory.factories import csv_bytes, make_vin

pytestmark = pytest.mark.django_db
ADD = reverse("admin:inventory_feedupload_add")


def test_clerk_previews_then_confirms_and_the_task_imports(
    clerk, client_for, django_capture_on_commit_callbacks
):
    client = client_for(clerk)
    good = make_vin()
    data = csv_bytes(["VIN", "Device ID"], [[good, "D1"], ["NOT-A-VIN", "D2"]])
    response = client.post(
        ADD, {"source": "lojack", "store": "", "file": SimpleUploadedFile("lj.csv", data)}
    )
    upload = FeedUpload.objects.get()
    assert response.status_code == 302
    assert upload.state == "preview"
    assert upload.preview["vehicles"] == 1 and upload.preview["invalid_rows"] == 1
    page = client.get(reverse("admin:inventory_feedupload_change", args=[upload.pk]))
    body = page.content.decode()
    assert "Confirm import" in body and "invalid_vin" in body  # the row error is shown
    assert not SourceRecord.objects.exists()  # nothing imported by the preview

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:inventory_feedupload_change", args=[upload.pk]),
            {"_confirm_import": "1"},
        )
    upload.refresh_from_db()
    assert upload.state == "done"
    run = FeedImport.objects.get(pk=upload.feed_import_id)
    assert (run.status, run.progress, run.vehicles, run.created_by) == ("succeeded", 100, 1, clerk)
    assert SourceRecord.objects.filter(source="lojack", vin=good).exists()


def test_a_rejected_file_says_why_in_the_preview(clerk, client_for):
    client = client_for(clerk)
    client.post(ADD, {"source": "cdk", "file": SimpleUploadedFile("x.csv", b"Make\nFord\n")})
    upload = FeedUpload.objects.get()
    assert upload.state == "rejected" and "No vin column" in upload.preview["rejected"]


def test_managers_cannot_upload(manager, client_for):
    assert client_for(manager).get(ADD).status_code == 403
