"""Clerks upload a feed through django-import-export's import page on the feed imports.

Preview (dry run, every problem row with its file line and reason, nothing written),
confirm (the file is queued; the django-q2 task imports it through ``feed_import``,
sync in tests), bad files refused on the form, and who may do it.
"""

import os
import re
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from fleetops.models import AuditEntry
from inventory.models import FeedImport, FeedUpload, Source, SourceRecord
from tests.inventory.factories import csv_bytes, lojack_rows, make_vin

pytestmark = pytest.mark.django_db
IMPORT = reverse("admin:inventory_feedimport_import")
PROCESS = reverse("admin:inventory_feedimport_process_import")
TMP_DIR = "django-import-export"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploads and import-export's temporary copies in this test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


def _post_preview(
    client, source: str, data: bytes, *, store: str = "", name: str = "feed.csv", new_store=False
):
    """The upload form posted; ``new_store`` ticks "Add as a new store" (a store no CDK
    row or store alias names yet: every store, in tests with no CDK snapshot)."""
    return client.post(
        IMPORT,
        {
            "resource": str(Source.values.index(source)),
            "store": store,
            "format": "0",
            "import_file": SimpleUploadedFile(name, data, content_type="text/csv"),
            **({"new_store": "on"} if new_store else {}),
        },
    )


def _written() -> tuple[int, int, int]:
    return FeedImport.objects.count(), FeedUpload.objects.count(), SourceRecord.objects.count()


def _tmp_files() -> set[str]:
    return set(default_storage.listdir(TMP_DIR)[1]) if default_storage.exists(TMP_DIR) else set()


def _messy_cdk() -> tuple[bytes, list[str], dict[int, str]]:
    """A CDK export with a BOM, CRLF, aliased headers and bad rows.

    Returns the file, the VINs that become vehicles, and the expected problem per line
    (line 1 is the header).
    """
    a, b, c, d = make_vin(), make_vin(), make_vin(), make_vin()
    rows = [
        [a, "PB1", "2024", "$35,120.00", "North"],  # line 2: fine
        [f" {b[:3]}-{b[3:10]}-{b[10:]} ".lower(), "PB2", "2023", "30000", "North"],  # 3: messy ok
        ["1FTEW1E5", "PB3", "2024", "1", "North"],  # line 4: too short
        ["1FTEW1E5OPF10000I", "PB4", "2024", "1", "North"],  # line 5: O and I
        ["", "PB5", "2024", "1", "North"],  # line 6: no VIN
        [a, "PB6", "2024", "1", "North"],  # line 7: duplicate of line 2
        [c, "PB7", "2022", "$abc", "South"],  # line 8: bad money (kept, warning)
        [d, "PB8", "2021", "27,500.50", "South"],  # line 9: fine
    ]
    data = csv_bytes(
        ["vin", "StockNumber", "ModelYear", "BaseInvoicePrice", "Rooftop"],
        rows,
        bom=True,
        crlf=True,
    )
    problems = {4: "invalid_vin", 5: "invalid_vin", 6: "missing_vin", 7: "duplicate_vin",
                8: "invalid_value"}  # fmt: skip
    return data, [a, b, c, d], problems


def test_clerk_previews_problem_rows_by_line_then_confirms_and_the_task_imports(
    clerk, client_for, django_capture_on_commit_callbacks, tmp_path
):
    client = client_for(clerk)
    page = client.get(IMPORT)
    assert page.status_code == 200
    assert "Source" in page.content.decode() and "Device ID/Device/Serial Number" in (
        page.content.decode()
    )  # the source choice, and each source's accepted columns
    data, vins, problems = _messy_cdk()

    preview = _post_preview(client, "cdk", data, name="cdk-north.csv")
    assert preview.status_code == 200
    result = preview.context["result"]
    got = {row.number: " ".join(sum(row.error_dict.values(), [])) for row in result.invalid_rows}
    assert set(got) == set(problems), got
    for line, reason in problems.items():
        assert got[line].startswith(reason), (line, got[line])
    assert "Already on line 2" in got[7]
    assert "8 characters instead of 17" in got[4] and "I O" in got[5]
    body = preview.content.decode()
    assert "Confirm import" in body and "Rows with problems (5)" in body
    for line in problems:
        assert f"<td>{line}</td>" in body
    assert (
        "missing_vin (not imported)" in body and "invalid_value (imported with a warning)" in body
    )
    assert [r.diff[1] for r in result.valid_rows()] == [vins[0], vins[1], vins[3]]
    # the summary's counts agree with their nouns ("1 duplicate", "2 warnings")
    summary = body.split('class="feed-preview-summary"')[1].split("</p>")[0]
    counted = re.findall(r"(\d+) (rows?|vehicles?|duplicates?|warnings?)\b", summary)
    assert {noun.rstrip("s") for _, noun in counted} == {"row", "vehicle", "duplicate", "warning"}
    for count, noun in counted:
        assert noun.endswith("s") == (count != "1"), (count, noun)
    assert _written() == (0, 0, 0), "the preview writes nothing"
    assert not AuditEntry.objects.filter(action__startswith="inventory.feed").exists()

    confirm = preview.context["confirm_form"].initial
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PROCESS, {**confirm, "confirm": "Confirm import"})
    assert response.status_code == 302
    upload = FeedUpload.objects.get()
    run = upload.feed_import
    assert response["Location"] == reverse("admin:inventory_feedimport_change", args=[run.pk])
    assert upload.state == "done" and upload.created_by == clerk
    counts = ("status", "progress", "rows_read", "vehicles", "invalid_rows", "duplicates",
              "warnings", "created_by")  # fmt: skip
    # 8 rows: 3 invalid (short, I/O, empty), 1 duplicate, 4 vehicles (one with a warning)
    assert [getattr(run, f) for f in counts] == ["succeeded", 100, 8, 4, 3, 1, 1, clerk]
    assert set(SourceRecord.objects.filter(source="cdk").values_list("vin", flat=True)) == set(vins)
    page = client.get(response["Location"])
    assert page.status_code == 200 and "100% done" in page.content.decode()
    assert AuditEntry.objects.filter(action="inventory.feed_upload_confirm", actor=clerk).exists()
    assert AuditEntry.objects.get(action="inventory.feed_import", object_id=str(run.pk)).actor == (
        clerk
    )
    assert not _tmp_files(), "the temporary copy is removed once queued"

    # The command on the same file: the same counts and the same snapshot.
    path = tmp_path / "cdk-north.csv"
    path.write_bytes(data)
    call_command("import_feed", "cdk", str(path), stdout=None)
    by_command = FeedImport.objects.exclude(pk=run.pk).get()
    assert [getattr(by_command, f) for f in counts[:-1]] == [getattr(run, f) for f in counts[:-1]]
    assert SourceRecord.objects.filter(source="cdk").count() == 4


def test_a_store_upload_replaces_only_that_store(
    clerk, client_for, django_capture_on_commit_callbacks
):
    client = client_for(clerk)
    north, south = make_vin(), make_vin()
    with django_capture_on_commit_callbacks(execute=True):
        first = _post_preview(client, "lojack", lojack_rows([north, south], store="North"))
        client.post(PROCESS, first.context["confirm_form"].initial)
    new = make_vin()
    preview = _post_preview(
        client, "lojack", lojack_rows([new], store="South"), store="South", new_store=True
    )
    assert preview.context["confirm_form"].initial["store"] == "South"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PROCESS, preview.context["confirm_form"].initial)
    # The whole-group snapshot filed both as North; the South upload only adds its own.
    assert set(SourceRecord.objects.values_list("vin", "store")) == {
        (north, "North"), (south, "North"), (new, "South"),
    }  # fmt: skip
    assert FeedImport.objects.filter(store="South", status="succeeded").count() == 1


@pytest.mark.parametrize(
    ("source", "data", "message"),
    [
        ("cdk", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV file"),
        ("cdk", b"Make,Model\nFord,F-150\n", "No VIN column"),
        (
            "cdk",
            lojack_rows(["1FTEW1E50PF100000"]),
            "looks like a LoJack file, not a CDK (DMS) file",
        ),
        ("lojack", b"VIN,Device ID\n", "no rows"),
        ("oem", b"VIN,Model Code\n1FTEW1E50PF100000,F15\n", "No order number column"),
    ],
    ids=["binary", "no-vin-column", "wrong-source", "header-only", "oem-without-orders"],
)
def test_a_structurally_bad_file_is_refused_on_the_form(clerk, client_for, source, data, message):
    client = client_for(clerk)
    before = _tmp_files()
    response = _post_preview(client, source, data)
    assert response.status_code == 200
    form = response.context["form"]
    errors = " ".join(form.errors.get("import_file", []))
    assert "Rejected, nothing imported" in errors and message in errors, errors
    assert (
        "confirm_form" not in response.context and "Confirm import" not in response.content.decode()
    )
    assert _written() == (0, 0, 0) and _tmp_files() == before


def _role_user(request, role):
    if role == "anonymous":
        return AnonymousUser()
    return request.getfixturevalue({"triage": "triage_user"}.get(role, role))


@pytest.mark.parametrize(
    "role", ["clerk", "admin_user", "triage", "manager", "outsider", "anonymous"]
)
def test_only_importers_reach_the_import_page_and_the_confirm_step(
    request, role, clerk, client_for, django_capture_on_commit_callbacks
):
    # A real preview by a clerk, so the confirm POST names an existing temporary file.
    preview = _post_preview(client_for(clerk), "lojack", lojack_rows([make_vin()]))
    confirm = preview.context["confirm_form"].initial
    user = _role_user(request, role)
    client = Client() if role == "anonymous" else client_for(user)
    page = client.get(IMPORT)
    with django_capture_on_commit_callbacks(execute=True):
        posted = client.post(PROCESS, confirm)
    changelist = client.get(reverse("admin:inventory_feedimport_changelist"))
    allowed = role in ("clerk", "admin_user")
    if allowed:
        assert page.status_code == 200 and posted.status_code == 302
        assert FeedUpload.objects.get().feed_import.status == "succeeded"
        assert IMPORT in changelist.content.decode()  # the Import button
        return
    if role in ("anonymous", "outsider"):  # not logged in, or not staff: a login page
        for response in (page, posted):
            assert response.status_code == 302
            login = response["Location"].split("?")[0]
            assert login in (reverse("login"), reverse("admin:login"))
    else:
        assert page.status_code == 403 and posted.status_code == 403
        assert changelist.status_code == 200 and IMPORT not in changelist.content.decode()
    assert _written() == (0, 0, 0)


def test_the_old_upload_form_is_gone(clerk, client_for):
    """Uploads are import-export's import only: the upload list is read-only."""
    client = client_for(clerk)
    assert client.get(reverse("admin:inventory_feedupload_add")).status_code == 403
    assert client.get(reverse("admin:inventory_feedupload_changelist")).status_code == 200


def test_confirming_twice_queues_one_import(clerk, client_for, django_capture_on_commit_callbacks):
    client = client_for(clerk)
    confirm = _post_preview(client, "lojack", lojack_rows([make_vin()])).context["confirm_form"]
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(PROCESS, confirm.initial)
        second = client.post(PROCESS, confirm.initial, follow=True)
    assert first.status_code == 302 and FeedUpload.objects.count() == 1
    assert second.redirect_chain[-1][0] == IMPORT
    assert "upload the file again" in second.content.decode()


def test_an_upload_whose_import_breaks_ends_failed_not_queued(
    clerk, client_for, django_capture_on_commit_callbacks
):
    client = client_for(clerk)
    confirm = _post_preview(client, "lojack", lojack_rows([make_vin()])).context["confirm_form"]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(PROCESS, confirm.initial)
    upload = FeedUpload.objects.get()
    default_storage.delete(upload.file.name)  # the stored file is lost before the task runs
    with pytest.raises(FileNotFoundError):
        for callback in callbacks:  # the queued task (django-q2 runs it at once in tests)
            callback()
    upload.refresh_from_db()
    upload.feed_import.refresh_from_db()
    assert upload.state == FeedUpload.State.FAILED
    assert upload.feed_import.status == "failed"
    assert "FileNotFoundError" in upload.feed_import.error
    assert SourceRecord.objects.count() == 0


def test_copies_of_previews_never_confirmed_are_swept_after_a_day(clerk, client_for):
    client = client_for(clerk)
    _post_preview(client, "lojack", lojack_rows([make_vin()]))
    (old,) = _tmp_files()
    two_days_ago = time.time() - 2 * 86400
    os.utime(default_storage.path(f"{TMP_DIR}/{old}"), (two_days_ago, two_days_ago))
    _post_preview(client, "lojack", lojack_rows([make_vin()]))
    remaining = _tmp_files()
    assert old not in remaining and len(remaining) == 1


def test_the_run_page_says_queued_until_a_worker_starts_it(
    clerk, client_for, django_capture_on_commit_callbacks
):
    client = client_for(clerk)
    confirm = _post_preview(client, "lojack", lojack_rows([make_vin()])).context["confirm_form"]
    with django_capture_on_commit_callbacks(execute=False) as queued:  # no worker yet
        response = client.post(PROCESS, confirm.initial)
    page = client.get(response["Location"]).content.decode()
    assert "<strong>Queued</strong>: waiting for a worker of the task cluster" in page
    for callback in queued:  # the cluster picks the task up (sync in tests)
        callback()
    page = client.get(response["Location"]).content.decode()
    assert "<strong>Succeeded</strong>" in page and "Queued" not in page


def test_a_preview_whose_every_row_has_a_problem_says_so(clerk, client_for):
    vin = make_vin()
    typo = vin[:8] + ("1" if vin[8] != "1" else "2") + vin[9:]  # a wrong check digit: warned
    data = csv_bytes(["VIN", "Make"], [[typo, "Ford"], ["BADVIN", "Jeep"]])
    page = _post_preview(client_for(clerk), "cdk", data).content.decode()
    assert "imported with a warning" in page and "not imported" in page
    assert "Every row has a problem (listed above)" in page
    assert 'class="import-preview"' not in page  # no empty table


def test_the_preview_files_another_stores_row_under_store(clerk, client_for):
    data = csv_bytes(["VIN", "Store"], [[make_vin(), "South"], [make_vin(), "North"]])
    preview = _post_preview(client_for(clerk), "lojack", data, store="South", new_store=True)
    (row,) = preview.context["result"].invalid_rows
    assert row.number == 3
    assert list(row.error_dict) == ["Store"]
    assert row.error_dict["Store"][0].startswith("other_store (not imported)")


def test_an_upload_task_delivered_again_after_it_finished_does_not_import_the_file_again(
    clerk, client_for, django_capture_on_commit_callbacks
):
    """django-q2 delivers a task again when its worker dies before the acknowledgement:
    the upload already imported must not be imported a second time (a newer import of the
    same source meanwhile would be replaced by this older file)."""
    from inventory.services import feed_import
    from inventory.tasks import feed_upload_task

    client = client_for(clerk)
    old_vin, new_vin = make_vin(), make_vin()
    confirm = _post_preview(client, "lojack", lojack_rows([old_vin])).context["confirm_form"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(PROCESS, confirm.initial)
    upload = FeedUpload.objects.get()
    assert upload.state == FeedUpload.State.DONE
    feed_import(source="lojack", data=lojack_rows([new_vin]))  # the next day's feed
    runs = FeedImport.objects.count()

    assert feed_upload_task(upload.pk) == upload.feed_import_id  # delivered again

    keys = set(SourceRecord.objects.filter(source="lojack").values_list("key", flat=True))
    assert keys == {new_vin}
    assert FeedImport.objects.count() == runs
    upload.refresh_from_db()
    assert upload.state == FeedUpload.State.DONE
    assert upload.feed_import.status == "succeeded" and upload.feed_import.vehicles == 1


def test_a_double_clicked_confirm_queues_one_import(
    clerk, client_for, django_capture_on_commit_callbacks
):
    """A double click sends the confirm twice at once: the second request can read the
    previewed file before the first has removed it (simulated: the file put back between
    the two). One upload and one import are queued; the second is told it was already."""
    client = client_for(clerk)
    confirm = _post_preview(client, "lojack", lojack_rows([make_vin()])).context["confirm_form"]
    name = f"{TMP_DIR}/{confirm.initial['import_file_name']}"
    data = default_storage.open(name, "rb").read()
    with django_capture_on_commit_callbacks(execute=False) as queued:
        first = client.post(PROCESS, confirm.initial)
        default_storage.save(name, ContentFile(data))  # read by the second before removed
        second = client.post(PROCESS, confirm.initial, follow=True)
    assert first.status_code == 302
    assert FeedUpload.objects.count() == 1 and FeedImport.objects.count() == 1
    assert len(queued) == 1
    assert "already" in second.content.decode()
