"""A clerk presses Confirm without ticking the "I understand" box: the page keeps the
preview (the rows with problems and the rows to import) with the error beside the box,
since its text still says "Confirm imports the rows below"."""

import re
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inventory.models import FeedUpload, Source, SourceRecord
from inventory.services import feed_import
from tests.inventory.factories import cdk_rows, make_vin

pytestmark = pytest.mark.django_db
IMPORT = reverse("admin:inventory_feedimport_import")
PROCESS = reverse("admin:inventory_feedimport_process_import")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_an_unticked_confirm_keeps_the_preview_with_the_error_by_the_box(
    clerk, client_for, django_capture_on_commit_callbacks
):
    current = [make_vin() for _ in range(150)]
    assert feed_import(source="cdk", data=cdk_rows({v: {} for v in current})).status == (
        "succeeded"
    )
    kept, new = current[:2], make_vin()
    # 3 vehicles and, on the file's line 5, a VIN that cannot be one
    data = cdk_rows({**{v: {} for v in kept}, new: {}, "NOT-A-VIN": {}})
    client = client_for(clerk)
    preview = client.post(IMPORT, {
        "resource": str(Source.values.index("cdk")), "store": "", "format": "0",
        "import_file": SimpleUploadedFile("monday.csv", data, content_type="text/csv"),
    })  # fmt: skip
    confirm = preview.context["confirm_form"].initial
    refused = client.post(PROCESS, {**confirm, "confirm": "Confirm import"})
    assert refused.status_code == 200
    body = re.sub(r"\s+", " ", unescape(refused.content.decode()))
    # the error, right before the box it is about
    assert re.search(
        r'<ul class="errorlist"[^>]*><li>Tick to confirm: 148 vehicles will leave the CDK '
        r"\(DMS\) snapshot\.</li></ul> <p> <label for=\"id_removal_ok\">",
        body,
    ), body[:4000]
    # the preview as before: the file, its figures, the problem row, the rows to import
    assert "<strong>monday.csv</strong>: 4 rows read — 3 vehicles, 1 invalid" in body
    assert "148 would be removed, 1 added" in body
    problems = re.search(r'<table class="import-preview feed-problems">(.*?)</table>', body, re.S)
    assert problems and "NOTAVIN" in problems.group(1).replace("-", "")
    assert re.search(r"<td>5</td>", problems.group(1))
    rows = re.search(r'<table class="import-preview">(.*?)</table>', body, re.S)
    assert rows and all(v in rows.group(1) for v in (*kept, new))
    assert FeedUpload.objects.count() == 0
    # ticked, the same confirmation queues the file
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(PROCESS, {**confirm, "removal_ok": "on", "confirm": "Confirm import"})
    assert done.status_code == 302
    assert SourceRecord.objects.filter(source="cdk").count() == 3
