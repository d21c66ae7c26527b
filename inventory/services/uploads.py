"""Clerk uploads from the admin (django-import-export's import page, then a background task).

The preview is import-export's dry run of :class:`inventory.resources.FeedResource`;
confirming calls :func:`feed_upload_queue`, which keeps the file, creates the run row
and queues ``inventory.tasks.feed_upload_task``, which imports it through ``feed_import``.
"""

from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django_q.tasks import async_task

from fleetops.services import audit_record
from inventory.models import FeedImport, FeedUpload, Source

# Where import-export's MediaStorage keeps the previewed files until they are confirmed.
TMP_FOLDER = "django-import-export"


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


def upload_tmp_sweep(*, max_age: timedelta = timedelta(days=1)) -> int:
    """Delete the temporary copies of previews never confirmed, older than ``max_age``.

    import-export removes a file once its import is confirmed; a preview left on screen
    would keep its copy forever. Returns how many were deleted.
    """
    if not default_storage.exists(TMP_FOLDER):
        return 0
    cutoff, removed = timezone.now() - max_age, 0
    for name in default_storage.listdir(TMP_FOLDER)[1]:
        path = f"{TMP_FOLDER}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed += 1
        except FileNotFoundError:  # another process swept it first
            continue
    return removed
