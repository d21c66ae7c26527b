"""Malformed inventory feeds through every way in: command, admin upload, API.

Whatever the file, the user gets a clear answer (never a 500 or a traceback), and the
source's snapshot is either replaced by exactly the file's valid rows (a succeeded run)
or left exactly as it was (a rejected run): never half-written.
"""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from hypothesis import event, example, given
from hypothesis import strategies as st

from fleetops.models import RunStatus
from inventory.models import FeedImport, FeedUpload, Source, SourceRecord
from inventory.services import feed_import
from tests.inventory import factories as f
from tests.security.hostile import HOSTILE, cells, hostile_csv

pytestmark = pytest.mark.django_db

HEADERS = {"cdk": f.CDK_HEADER, "vauto": f.VAUTO_HEADER}
vins = st.builds(lambda n: f.make_vin(serial=n), st.integers(min_value=0, max_value=999_999))
VALID_ROW = {
    "cdk": st.builds(
        lambda vin, stock, cost: [vin, stock, "2024", "Ford", "F-150", cost, "40000", "North"],
        vins, cells, st.sampled_from(["30000.00", "", "-5", "abc", "1e9"]),
    ),
    "vauto": st.builds(
        lambda vin, stock: [stock, vin, "2024", "Ford", "F-150", "41000", "12", "North"],
        vins, cells,
    ),
}  # fmt: skip


@st.composite
def feeds(draw):
    source = draw(st.sampled_from(sorted(HEADERS)))
    return source, draw(hostile_csv(HEADERS[source], VALID_ROW[source]))


EXAMPLES = [
    ("cdk", b""),
    ("cdk", b"\xff\xfe\x00\x00garbage"),
    ("cdk", ",".join(f.CDK_HEADER).encode() + b"\n"),  # header only
    ("cdk", b'VIN,Stock No\n"unterminated,1\n'),
    ("vauto", ",".join(f.VAUTO_HEADER).encode() + b"\n" + b"a,b\x00c,d\n" * 3),
    ("cdk", ",".join(f.CDK_HEADER).encode() + b"\n" + b"," * 5000 + b"\n"),
]


def with_examples(test):
    for source, data in EXAMPLES:
        test = example(feed=(source, data))(test)
    return test


@pytest.fixture
def previous_snapshots(db):
    """A good snapshot of each source, so an import that goes wrong has something to spoil."""
    good = f.make_vin()
    feed_import(source="cdk", data=f.cdk_rows({good: {"stock": "G1"}}), filename="cdk.csv")
    feed_import(source="vauto", data=f.vauto_rows([good]), filename="vauto.csv")


def snapshot(source: str) -> set:
    return set(SourceRecord.objects.filter(source=source).values_list("key", "raw_line"))


def assert_clean_outcome(run: FeedImport, source: str, before: set) -> None:
    run.refresh_from_db()
    event(f"run {run.status}")
    assert run.status in (RunStatus.SUCCEEDED, RunStatus.REJECTED), (run.status, run.error)
    if run.status == RunStatus.REJECTED:
        assert run.error.strip(), "a rejected run says why"
        assert "Traceback" not in run.error
        assert snapshot(source) == before, "a rejected file left the snapshot changed"
    else:
        assert SourceRecord.objects.filter(source=source).count() == run.vehicles


@HOSTILE
@given(feed=feeds())
@with_examples
def test_import_feed_command(feed, previous_snapshots, tmp_path_factory):
    source, data = feed
    path = Path(tmp_path_factory.mktemp("feed")) / f"{source}.csv"
    path.write_bytes(data)
    before = snapshot(source)
    last = FeedImport.objects.order_by("-pk").values_list("pk", flat=True).first()
    try:
        call_command("import_feed", source, str(path), stdout=io.StringIO())
    except CommandError as exc:
        assert str(exc).strip() and "Traceback" not in str(exc)
    run = FeedImport.objects.order_by("-pk").first()
    assert run.pk != last, "every attempt is a run row"
    assert_clean_outcome(run, source, before)


@HOSTILE
@given(feed=feeds())
@with_examples
def test_feed_api_upload(feed, previous_snapshots, clerk, api_token, client):
    source, data = feed
    headers = {"Authorization": f"Bearer {api_token(clerk)}"}
    before = snapshot(source)
    upload = SimpleUploadedFile(f"{source}.csv", data, content_type="text/csv")
    response = client.post(f"/api/inventory/feeds/{source}", {"file": upload}, headers=headers)
    assert response.status_code in (201, 422), response.content[:500]
    body = response.json()
    assert "Traceback" not in response.content.decode()
    if response.status_code == 422:
        assert body["status"] == RunStatus.REJECTED and body["error"].strip()
    assert_clean_outcome(FeedImport.objects.get(pk=body["id"]), source, before)


@HOSTILE
@given(feed=feeds())
@with_examples
def test_feed_admin_upload_preview_and_confirm(
    feed, previous_snapshots, clerk, client_for, django_capture_on_commit_callbacks
):
    source, data = feed
    client = client_for(clerk)
    before = snapshot(source)
    runs = FeedImport.objects.count()
    upload = SimpleUploadedFile(f"{source}.csv", data, content_type="text/csv")
    response = client.post(
        reverse("admin:inventory_feedimport_import"),
        {"resource": str(Source.values.index(source)), "format": "0", "store": "",
         "import_file": upload},
    )  # fmt: skip
    assert response.status_code == 200, response.status_code
    assert b"Traceback" not in response.content
    assert snapshot(source) == before, "a preview writes nothing"
    assert FeedImport.objects.count() == runs, "a preview writes nothing"
    if "confirm_form" not in response.context:  # the form again, with the error shown
        assert b"errorlist" in response.content
        return
    last = FeedUpload.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    with django_capture_on_commit_callbacks(execute=True):  # the queued import runs (sync)
        confirmed = client.post(
            reverse("admin:inventory_feedimport_process_import"),
            response.context["confirm_form"].initial,
        )
    assert confirmed.status_code == 302
    created = FeedUpload.objects.get(pk__gt=last)
    assert created.feed_import is not None
    assert_clean_outcome(created.feed_import, source, before)
