"""``invoice_upload``: an uploaded invoice file, ingested now (small) or by the cluster (large).

A file up to ``INVOICES_UPLOAD_SYNC_MAX_BYTES`` (default 1 MB, a few hundred invoices)
is ingested inside the request as before. A larger one is checked (it must be JSON
holding invoices), stored under ``MEDIA_ROOT/invoices/uploads/``, given its run row at
once (status running, the invoice count as ``fetched``), and ingested by a django-q2
task enqueued when the request's transaction commits; the run row shows its progress
batch by batch. The stored file is deleted once its run succeeds.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils.text import get_valid_filename

from fleetops.models import RunStatus
from invoices.loaders import payloads_from_bytes
from invoices.models import IngestRun
from invoices.services.ingest import invoice_ingest
from invoices.services.runs import ingest_run_start

UPLOAD_DIR = "invoices/uploads"
DEFAULT_SYNC_MAX_BYTES = 1_000_000


def upload_sync_max_bytes() -> int:
    return int(getattr(settings, "INVOICES_UPLOAD_SYNC_MAX_BYTES", DEFAULT_SYNC_MAX_BYTES))


def invoice_upload(*, content: bytes, name: str, actor=None) -> tuple[IngestRun, bool]:
    """Ingest an uploaded file; returns ``(run, queued)``.

    Raises ``InvoiceFileError`` when the file holds no invoices we can read (nothing is
    stored or queued then).
    """
    payloads = payloads_from_bytes(content, name=name)
    if len(content) <= upload_sync_max_bytes():
        run = invoice_ingest(
            payloads=payloads, trigger=IngestRun.Trigger.UPLOAD, source=name, actor=actor
        )
        return run, False
    with transaction.atomic():
        run = ingest_run_start(trigger=IngestRun.Trigger.UPLOAD, source=name, actor=actor)
        run.fetched = len(payloads)
        run.save(update_fields=["fetched"])
        stored = default_storage.save(
            f"{UPLOAD_DIR}/{run.pk}-{uuid.uuid4().hex[:8]}-{get_valid_filename(name)[:80]}",
            ContentFile(content),
        )
        transaction.on_commit(lambda: _enqueue(run.pk, stored))
    return run, True


def _enqueue(run_id: int, stored: str) -> None:
    from django_q.tasks import async_task

    async_task("invoices.tasks.invoices_ingest_upload_task", run_id, stored)


def upload_ingest(*, run_id: int, stored: str) -> IngestRun:
    """The task's work: ingest the stored file into its run (a fresh run if that one ended)."""
    run = IngestRun.objects.get(pk=run_id)
    if run.status == RunStatus.SUCCEEDED or not default_storage.exists(stored):
        return run  # a redelivery of a task that finished
    result = invoice_ingest(
        paths=[Path(default_storage.path(stored))],
        trigger=IngestRun.Trigger.UPLOAD,
        source=run.source,
        actor=run.created_by,
        # Reaped while it waited in the queue (or left failed): a new run row.
        run=run if run.status == RunStatus.RUNNING else None,
    )
    default_storage.delete(stored)
    return result
