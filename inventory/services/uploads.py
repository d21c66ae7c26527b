"""Clerk uploads from the admin (django-import-export's import page, then a background task).

The preview is import-export's dry run of :class:`inventory.resources.FeedResource`;
confirming calls :func:`feed_upload_queue`, which keeps the file, creates the run row
and queues ``inventory.tasks.feed_upload_task``, which imports it through ``feed_import``.
"""

from django.core.files.base import ContentFile
from django.db import transaction
from django_q.tasks import async_task

from fleetops.services import audit_record
from inventory.models import FeedImport, FeedUpload, Source


@transaction.atomic
def feed_upload_queue(
    *, source: str, data: bytes, filename: str, user, store: str = "", preview: dict | None = None
) -> FeedUpload:
    """Keep a confirmed upload and queue its import; returns the upload (its run attached).

    The run row exists at once (status running, progress 0) so the page the clerk lands
    on shows the import's progress; the task fills it in through ``feed_import``.
    """
    if source not in Source.values:
        raise ValueError(f"Unknown source {source!r}.")
    store = (store or "").strip()[:60]
    name = (filename or f"{source}.csv").replace("\\", "/").rsplit("/", 1)[-1][:200]
    run = FeedImport.objects.create(
        source=source, store=store, filename=name, created_by=user, progress=0
    )
    upload = FeedUpload(
        source=source, store=store, state=FeedUpload.State.QUEUED, preview=preview or {},
        feed_import=run, created_by=user,
    )  # fmt: skip
    upload.file.save(name, ContentFile(data), save=False)
    upload.save()
    audit_record(
        actor=user,
        action="inventory.feed_upload_confirm",
        obj=upload,
        note=name,
        data={"run": run.pk, "source": source, "store": store, "bytes": len(data),
              **{k: v for k, v in (preview or {}).items() if isinstance(v, int)}},
    )  # fmt: skip
    transaction.on_commit(lambda: async_task("inventory.tasks.feed_upload_task", upload.pk))
    return upload
