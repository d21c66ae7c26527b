"""django-q2 tasks: take ids, load, call a service."""

from django.core.files.storage import default_storage
from django.utils import timezone

from fleetops.models import RunStatus
from inventory.models import FeedImport, FeedUpload, ReconciliationRun
from inventory.services import ReconcileBusy, feed_import, vehicles_reconcile


def reconcile_task(run_id: int | None = None) -> int | None:
    """The daily schedule (no id) or ``POST /refresh`` (a queued run's id)."""
    run = ReconciliationRun.objects.filter(pk=run_id).first() if run_id else None
    try:
        return vehicles_reconcile(run=run).pk
    except ReconcileBusy as exc:
        return exc.run.pk


def feed_upload_task(upload_id: int) -> int | None:
    """Import a clerk's confirmed upload through ``feed_import`` (its run shows the progress)."""
    upload = FeedUpload.objects.select_related("feed_import", "created_by").get(pk=upload_id)
    run = upload.feed_import
    if upload.state != FeedUpload.State.QUEUED:
        # delivered again after it finished (its worker died before the acknowledgement):
        # importing the file again would replace any newer snapshot with this older one
        return run.pk if run else None
    try:
        with default_storage.open(upload.file.name, "rb") as handle:
            data = handle.read()
        filename = run.filename if run else upload.file.name.rsplit("/", 1)[-1]
        run = feed_import(
            source=upload.source, data=data, filename=filename,
            store=upload.store, user=upload.created_by, run=run,
        )  # fmt: skip
    except Exception as exc:  # the upload must not stay "queued"; the task fails visibly
        FeedUpload.objects.filter(pk=upload.pk).update(state=FeedUpload.State.FAILED)
        if run is not None:
            FeedImport.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
                status=RunStatus.FAILED, finished_at=timezone.now(),
                error=f"{type(exc).__name__}: {exc}",
            )  # fmt: skip
        raise
    state = (
        FeedUpload.State.DONE if run.status == RunStatus.SUCCEEDED else FeedUpload.State.REJECTED
    )
    FeedUpload.objects.filter(pk=upload.pk).update(state=state, feed_import=run)
    return run.pk
