"""Clerk uploads from the admin (django-import-export's import page, then a background task).

The preview is import-export's dry run of :class:`inventory.resources.FeedResource`,
with what confirming would do to the current snapshot (:func:`snapshot_change`) and the
stores the form offers (:func:`upload_stores`), two reads for the upload form only;
confirming calls :func:`feed_upload_queue`, which keeps the file, creates the run row
and queues ``inventory.tasks.feed_upload_task``, which imports it through ``feed_import``.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from datetime import timedelta

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django_q.tasks import async_task

from fleetops.services import audit_record
from fleetops.text import counted
from inventory.feeds.writer import spellings_of
from inventory.models import FeedImport, FeedUpload, Source, SourceRecord, VinAlias
from inventory.selectors import store_spellings

# Where import-export's MediaStorage keeps the previewed files until they are confirmed.
TMP_FOLDER = "django-import-export"
# A confirm that removes more than this many rows, and more than this share of the current
# snapshot (of the store's part), needs the clerk's explicit acknowledgement.
LARGE_REMOVAL_ROWS = 100
LARGE_REMOVAL_SHARE = 0.2
# The preview's figures travel to the confirm step signed, bound to the previewed file.
CHANGE_SALT = "inventory.feed-upload.change"
CHANGE_MAX_AGE = 86400  # a day: previews older than that have lost their file (the sweep)


@dataclass(frozen=True)
class SnapshotChange:
    """What importing a file would do to the current snapshot of ``source`` (only
    ``store``'s part with a store): ``now`` rows there, ``in_file`` distinct keys in the
    file, ``kept`` of the rows now there that the file holds too, ``moved`` rows of the
    source's other stores the file files under ``store``."""

    source: str
    store: str
    now: int
    in_file: int
    kept: int
    moved: int

    @property
    def removed(self) -> int:
        return self.now - self.kept

    @property
    def added(self) -> int:
        return self.in_file - self.kept - self.moved

    @property
    def needs_acknowledgement(self) -> bool:
        """Over 100 rows and over a fifth of the current snapshot (its store's part) would go."""
        return self.removed > LARGE_REMOVAL_ROWS and self.removed > LARGE_REMOVAL_SHARE * self.now

    @property
    def snapshot(self) -> str:
        """``the CDK (DMS) snapshot``, ``Northside Ford's part of the CDK (DMS) snapshot``."""
        label = Source(self.source).label
        return (
            f"{self.store}'s part of the {label} snapshot"
            if self.store
            else f"the {label} snapshot"
        )

    @property
    def noun(self) -> str:
        """What a row of this source's snapshot is: an OEM order (with or without its VIN
        yet), a vAuto listing (by VIN or VIN 8), else a vehicle."""
        return {"oem": "order", "vauto": "listing"}.get(self.source, "vehicle")

    def summary(self) -> str:
        """``Confirming replaces the CDK (DMS) snapshot: 4 vehicles in the file, 6,142 now;
        6,140 would be removed, 2 added.``"""
        removed = f"{self.removed:,}" if self.removed else "none"
        added = f"{self.added:,}" if self.added else "none"
        moved = f", {self.moved:,} moved from another store" if self.moved else ""
        return (
            f"Confirming replaces {self.snapshot}: {counted(self.in_file, self.noun)} in the "
            f"file, {self.now:,} now; {removed} would be removed, {added} added{moved}."
        )

    def acknowledgement(self) -> str:
        return f"I understand {counted(self.removed, self.noun)} will leave {self.snapshot}"

    def as_dict(self) -> dict:
        return {**asdict(self), "removed": self.removed, "added": self.added}


def snapshot_change(
    *, source: str, store: str, keys: Iterable[str], stores: Mapping[str, str] | None = None
) -> SnapshotChange:
    """What a file whose rows have ``keys`` would change in the current snapshot (a read,
    for the upload's preview; nothing written). ``stores``: the store aliases the file was
    read with (``selectors.store_aliases``).

    Set-based, three statements whatever the sizes: the confirmed VIN aliases (a key
    staff confirmed as another spelling of a VIN counts as that VIN, as the import applies
    them), the count of the snapshot (of the store's part, under every name its rows
    carry, its spellings and its store aliases: ``feeds.writer.spellings_of``, as the
    import replaces it), and the overlap: the file's keys sent as one parameter (lines
    split by PostgreSQL, a JSON array on SQLite) and
    joined to the source rows, each key matched through the unique ``(key, source)``
    index (a small file), or the source's rows hashed once (a million keys against a
    million rows: 3-4 s on either database, beside the parse of such a file). Never a
    ``NOT IN`` over the table, nor a query per chunk of keys (PostgreSQL's planner reads
    a 5,000-key ``IN`` list as a sequential scan: a minute at a million).
    """
    store = (store or "").strip()
    aliases = dict(VinAlias.objects.filter(source=source).values_list("from_key", "vin"))
    keys = list({aliases.get(key, key) for key in keys})
    table = SourceRecord._meta.db_table
    if connection.vendor != "postgresql":  # SQLite's JSON1, which JSONField needs anyway
        file_keys, key, param = "json_each(%s) AS f", "f.value", json.dumps(keys)
    elif (lines := "\n".join(keys)).count("\n") == len(keys) - 1:  # no key holds a "\n"
        # one string, split by the server: a list would be quoted element by element in
        # Python (about 4 s for a million keys)
        file_keys, key, param = "unnest(string_to_array(%s, E'\\n')) AS f (key)", "f.key", lines
    else:
        file_keys, key, param = "unnest(%s::text[]) AS f (key)", "f.key", keys
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT store, COUNT(*) FROM {table} WHERE source = %s GROUP BY store", [source]
        )
        per_store = dict(cursor.fetchall())
        # the store's part under every name its rows carry, as the import replaces it
        spellings = spellings_of(store, per_store, stores) if store else []
        now = sum(per_store.get(name, 0) for name in spellings or per_store)
        in_store = f"s.store IN ({', '.join(['%s'] * len(spellings))})" if store else "false"
        cursor.execute(
            f"SELECT COUNT(*), COUNT(CASE WHEN {in_store} THEN 1 END) FROM {file_keys} "
            f"JOIN {table} s ON s.key = {key} AND s.source = %s",
            [*spellings, param, source],
        )
        held, in_part = cursor.fetchone()
    kept = in_part if store else held
    return SnapshotChange(
        source=source, store=store, now=now, in_file=len(keys), kept=kept, moved=held - kept
    )


def change_dumps(change: SnapshotChange, *, file: str, resource: str) -> str:
    """``change`` signed for the confirm step, bound to the previewed temporary ``file``,
    the source's ``resource`` index and the store (see :func:`change_loads`)."""
    return signing.dumps(
        {"for": [file, resource or "0", change.store], "change": [
            change.source, change.store, change.now, change.in_file, change.kept, change.moved]},
        salt=CHANGE_SALT, compress=True,
    )  # fmt: skip


def change_loads(signed: str) -> tuple[tuple | None, SnapshotChange | None]:
    """``(file, resource, store)`` the figures were previewed for, and the figures; Nones
    when ``signed`` is missing, edited or older than a day."""
    try:
        value = signing.loads(signed, salt=CHANGE_SALT, max_age=CHANGE_MAX_AGE)
        source, store, now, in_file, kept, moved = value["change"]
        change = SnapshotChange(source=source, store=store, now=now, in_file=in_file,
                                kept=kept, moved=moved)  # fmt: skip
        return tuple(value["for"]), change
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None, None


def upload_stores() -> list[str]:
    """The stores FleetOps knows (:func:`~inventory.selectors.store_spellings`: the current
    CDK snapshot's and the store aliases', cached a few minutes), offered on the upload
    form, sorted."""
    return sorted(store_spellings().values(), key=str.casefold)


class UploadAlreadyQueued(Exception):
    """The previewed file was confirmed already (``upload``): nothing new was queued."""

    def __init__(self, upload: FeedUpload):
        super().__init__(f"This file was queued already (import #{upload.feed_import_id}).")
        self.upload = upload


def feed_upload_queue(
    *, source: str, data: bytes, filename: str, user, store: str = "", preview: dict | None = None,
    preview_file: str | None = None,
) -> FeedUpload:  # fmt: skip
    """Keep a confirmed upload and queue its import; returns the upload (its run attached).

    The run row exists at once (status running, no heartbeat, progress 0: pages say
    "Queued" until a worker starts it) so the page the clerk lands on shows the import's
    progress; the task fills it in through ``feed_import``. ``preview``: the previewed
    figures (:meth:`SnapshotChange.as_dict`), kept on the upload and in its audit entry.
    ``preview_file``: the previewed temporary file, claimed by the upload row (unique):
    when another confirm of it won, :class:`UploadAlreadyQueued` and nothing written.
    """
    if source not in Source.values:
        raise ValueError(f"Unknown source {source!r}.")
    try:
        return _upload_queue(source=source, data=data, filename=filename, user=user,
                             store=store, preview=preview, preview_file=preview_file)  # fmt: skip
    except IntegrityError:
        if preview_file is None:
            raise
        won = FeedUpload.objects.filter(preview_file=preview_file).first()
        if won is None:
            raise
        raise UploadAlreadyQueued(won) from None


@transaction.atomic
def _upload_queue(*, source, data, filename, user, store, preview, preview_file) -> FeedUpload:
    store = (store or "").strip()[:60]
    name = (filename or f"{source}.csv").replace("\\", "/").rsplit("/", 1)[-1][:200]
    run = FeedImport.objects.create(
        source=source, store=store, filename=name, created_by=user, progress=0
    )
    upload = FeedUpload(
        source=source, store=store, state=FeedUpload.State.QUEUED, preview=preview or {},
        feed_import=run, created_by=user, preview_file=preview_file,
    )  # fmt: skip
    upload.save()  # the claim first: a confirm that lost it stores no file
    upload.file.save(name, ContentFile(data))
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
