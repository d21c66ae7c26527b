"""Retention of run rows and uploaded files: old unreferenced ones go, nothing live does.

Each row and file below is placed by hand on one side of its rule; the survivors are
listed by name, not computed with the code under test.
"""

import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from fleetops.models import RunStatus
from fleetops.retention import retention_prune
from inventory.models import (
    FeedImport,
    FeedIssue,
    FeedUpload,
    InventoryException,
    ReconciliationRun,
    SourceRecord,
    Vehicle,
)
from invoices.models import IngestRun, RawInvoice
from monitoring.models import Metric
from tests.security.retention_days import DAYS, ago

pytestmark = pytest.mark.django_db

OK, FAILED, RUNNING = RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.RUNNING


def _feed(source, status=OK, days=400, store=""):
    return FeedImport.objects.create(
        source=source, store=store, status=status, started_at=ago(days),
        finished_at=None if status == RUNNING else ago(days),
    )  # fmt: skip


def _recon(status=OK, days=400):
    return ReconciliationRun.objects.create(status=status, started_at=ago(days),
                                            finished_at=ago(days))  # fmt: skip


def _ingest(trigger="file", status=OK, days=400):
    return IngestRun.objects.create(trigger=trigger, status=status, started_at=ago(days),
                                    finished_at=ago(days))  # fmt: skip


def test_old_unreferenced_runs_go_latest_running_and_referenced_runs_stay():
    feeds = {
        "cdk_old": _feed("cdk"),
        "cdk_source_row": _feed("cdk"),
        "cdk_issue": _feed("cdk", FAILED),
        "cdk_upload": _feed("cdk"),
        "cdk_metric": _feed("cdk"),
        "cdk_old_failed": _feed("cdk", FAILED),
        "cdk_running": _feed("cdk", RUNNING),
        "cdk_recent": _feed("cdk", days=5),  # the latest cdk (and latest successful)
        "vauto_older": _feed("vauto", days=500),
        "vauto_last_ok": _feed("vauto", days=450),  # the latest successful vauto, old
        "vauto_last": _feed("vauto", FAILED, days=420),  # the latest vauto, old
        "cdk_north": _feed("cdk", days=400, store="North"),  # the only (cdk, North) run
    }
    SourceRecord.objects.create(source="cdk", key="VIN1", feed_import=feeds["cdk_source_row"])
    FeedIssue.objects.create(feed_import=feeds["cdk_issue"], line_number=2, reason="invalid_vin",
                             message="bad")  # fmt: skip
    FeedUpload.objects.create(source="cdk", file="", state="done", feed_import=feeds["cdk_upload"])
    Metric.objects.create(source="inventory.feed", run_id=feeds["cdk_metric"].pk, name="rows",
                          value=1, recorded_at=ago(1))  # fmt: skip

    recons = {
        "old": _recon(),
        "exception": _recon(),
        "last_ok": _recon(),
        "last": _recon(FAILED),
    }
    vehicle = Vehicle.objects.create(vin="1FTFW1E50PFA00001")
    InventoryException.objects.create(
        vehicle=vehicle, vin=vehicle.vin, kind="ghost_listing", priority="low",
        last_event_run=recons["exception"],
    )  # fmt: skip

    ingests = {
        "old": _ingest(),
        "raw": _ingest(),
        "api_only": _ingest("api"),  # the latest (and latest successful) API run
        "recent": _ingest(days=3),
    }
    RawInvoice.objects.create(primary_key="P1", payload={}, payload_hash="h", status="processed",
                              run=ingests["raw"])  # fmt: skip

    counts = retention_prune(days=DAYS)

    assert counts["runs"] == 5
    gone_feeds = {"cdk_old", "cdk_old_failed", "vauto_older"}
    assert set(FeedImport.objects.values_list("pk", flat=True)) == {
        f.pk for k, f in feeds.items() if k not in gone_feeds
    }
    assert set(ReconciliationRun.objects.values_list("pk", flat=True)) == {
        recons[k].pk for k in ("exception", "last_ok", "last")
    }
    assert set(IngestRun.objects.values_list("pk", flat=True)) == {
        ingests[k].pk for k in ("raw", "api_only", "recent")
    }
    assert FeedIssue.objects.filter(feed_import=feeds["cdk_issue"]).exists()
    assert SourceRecord.objects.get(key="VIN1").feed_import_id == feeds["cdk_source_row"].pk
    assert RawInvoice.objects.get(primary_key="P1").run_id == ingests["raw"].pk
    assert retention_prune(days=DAYS)["runs"] == 0  # a second prune finds nothing


def _file(name: str, days: float) -> str:
    stored = default_storage.save(name, ContentFile(b"VIN,stock\n"))
    stamp = time.time() - days * 86400
    os.utime(default_storage.path(stored), (stamp, stamp))
    return stored


def _upload(state: str, days: float) -> FeedUpload:
    name = _file(f"inventory/uploads/{state}-{days}.csv", days)
    return FeedUpload.objects.create(source="cdk", file=name, state=state, created_at=ago(days))


def test_finished_uploads_files_and_stale_temporary_files_go_pending_ones_stay(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    uploads = {
        "done_old": _upload("done", 40),
        "rejected_old": _upload("rejected", 40),
        "preview_old": _upload("preview", 40),  # awaiting the clerk's confirmation
        "queued_old": _upload("queued", 40),  # being imported
        "done_recent": _upload("done", 5),
    }
    files = {
        "orphan_old": _file("inventory/uploads/orphan-old.csv", 40),
        "orphan_recent": _file("inventory/uploads/orphan-new.csv", 5),
        "tmp_old": _file("django-import-export/abc123", 40),
        "tmp_recent": _file("django-import-export/def456", 1),
        "elsewhere_old": _file("other/keep.csv", 400),  # not an upload folder
        # Large invoice uploads, named after their run: kept while the run is queued or
        # running, however old; gone once it is over (or the run row is gone).
        "invoice_running": _file(f"invoices/uploads/{_ingest(status=RUNNING).pk}-ab-big.json", 40),
        "invoice_failed": _file(f"invoices/uploads/{_ingest(status=FAILED).pk}-cd-big.json", 40),
        "invoice_no_run": _file("invoices/uploads/999999-ef-big.json", 40),
        "invoice_recent": _file(f"invoices/uploads/{_ingest(status=FAILED).pk}-gh-big.json", 5),
    }
    names = {k: u.file.name for k, u in uploads.items()}

    dry = retention_prune(days=DAYS, dry_run=True)["upload_files"]
    assert dry == 6 and all(default_storage.exists(n) for n in names.values())

    counts = retention_prune(days=DAYS)

    assert counts["upload_files"] == 6
    exists = {k: default_storage.exists(n) for k, n in {**names, **files}.items()}
    assert exists == {
        "done_old": False,
        "rejected_old": False,
        "preview_old": True,
        "queued_old": True,
        "done_recent": True,
        "orphan_old": False,
        "orphan_recent": True,
        "tmp_old": False,
        "tmp_recent": True,
        "elsewhere_old": True,
        "invoice_running": True,
        "invoice_failed": False,
        "invoice_no_run": False,
        "invoice_recent": True,
    }
    # The finished uploads' rows stay (who uploaded what, and its import), without a file.
    assert {k: FeedUpload.objects.get(pk=u.pk).file.name for k, u in uploads.items()} == {
        **names, "done_old": "", "rejected_old": "",
    }  # fmt: skip
    assert retention_prune(days=DAYS)["upload_files"] == 0
