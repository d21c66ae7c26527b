"""Clerk uploads from the admin: preview first (row errors shown), then a background import."""

from django.db import transaction
from django_q.tasks import async_task

from fleetops.services import audit_record
from inventory.feeds.parsing import FeedRejected, feed_parse
from inventory.models import FeedImport, FeedUpload

PREVIEW_BYTES = 5 * 1024 * 1024
PREVIEW_ERRORS = 50


def _head(data: bytes) -> tuple[bytes, bool]:
    if len(data) <= PREVIEW_BYTES:
        return data, False
    cut = data.rfind(b"\n", 0, PREVIEW_BYTES)
    return data[: cut + 1], True


def feed_upload_preview(*, upload: FeedUpload) -> FeedUpload:
    """Parse the upload (its first 5 MB for big files) and store counts and row errors."""
    with upload.file.open("rb") as handle:
        data = handle.read()
    head, partial = _head(data)
    try:
        feed = feed_parse(upload.source, head, store=upload.store)
    except FeedRejected as exc:
        upload.state = FeedUpload.State.REJECTED
        upload.preview = {"rejected": str(exc)}
    else:
        upload.preview = {
            "partial": partial,
            "bytes": len(data),
            "rows_read": feed.rows_read,
            "vehicles": len(feed.records),
            "invalid_rows": feed.invalid_rows,
            "duplicates": feed.duplicates,
            "warnings": feed.warnings,
            "headers": feed.headers,
            "errors": [
                {
                    "line": i.line_number,
                    "value": i.raw_value,
                    "reason": i.reason,
                    "message": i.message,
                    "warning": i.is_warning,
                }
                for i in feed.issues[:PREVIEW_ERRORS]
            ],  # fmt: skip
            "sample": [list(map(str, r[1:9])) for r in feed.records[:10]],
        }
    upload.save(update_fields=["state", "preview"])
    return upload


@transaction.atomic
def feed_upload_confirm(*, upload: FeedUpload, user) -> FeedImport | None:
    """Queue the real import (a django-q2 task); returns its run row, None if not previewable."""
    claimed = FeedUpload.objects.filter(pk=upload.pk, state=FeedUpload.State.PREVIEW).update(
        state=FeedUpload.State.QUEUED
    )
    if not claimed:
        return None
    run = FeedImport.objects.create(
        source=upload.source, store=upload.store, created_by=user,
        filename=upload.file.name.rsplit("/", 1)[-1][:255],
    )  # fmt: skip
    FeedUpload.objects.filter(pk=upload.pk).update(feed_import=run)
    audit_record(
        actor=user, action="inventory.feed_upload_confirm", obj=upload, data={"run": run.pk}
    )
    transaction.on_commit(lambda: async_task("inventory.tasks.feed_upload_task", upload.pk))
    return run
