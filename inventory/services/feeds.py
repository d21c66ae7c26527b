"""``feed_import``: one source snapshot in, validated whole, written set-based."""

import logging
import re
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from fleetops.models import RunStatus
from fleetops.runs import (
    connection_recover,
    interrupted_message,
    run_heartbeat,
    runs_reap_stale,
)
from fleetops.services import audit_record
from fleetops.text import counted
from inventory.feeds.parsing import FeedRejected, ParsedFeed, feed_parse
from inventory.feeds.pg_stream import pg_import
from inventory.feeds.writer import snapshot_replace
from inventory.models import FeedImport, FeedIssue, Source
from inventory.selectors import store_aliases, store_canonical

logger = logging.getLogger(__name__)
Progress = Callable[[str], None]
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # PostgreSQL refuses NUL in text; none belongs here
STORE_MAX = FeedImport._meta.get_field("store").max_length


class StoreNameInvalid(ValueError):
    """The ``store`` given to :func:`feed_import` cannot be a store's name; nothing written."""


def store_checked(store: str) -> str:
    """``store`` stripped, or :class:`StoreNameInvalid`."""
    store = (store or "").strip()
    if _CONTROL.search(store):
        raise StoreNameInvalid("The store name contains control characters.")
    if len(store) > STORE_MAX:
        raise StoreNameInvalid(f"The store name is longer than {STORE_MAX} characters.")
    return store


def _metrics(run: FeedImport, started: float) -> dict:
    return {
        "rows_read": run.rows_read,
        "vehicles": run.vehicles,
        "invalid_rows": run.invalid_rows,
        "duplicates": run.duplicates,
        "duration_seconds": round(time.monotonic() - started, 3),
    }


def _finish(
    run: FeedImport, started: float, status: str, error: str = "", *, as_of: datetime | None
) -> None:
    from monitoring.services import run_finished

    run.status = status
    run.error = error
    took = timedelta(seconds=time.monotonic() - started)
    run.finished_at = timezone.now() if as_of is None else as_of + took  # back-filled: as_of's
    run.progress = 100
    run.save()
    run_finished(
        source="inventory.feed", run_id=run.pk, metrics=_metrics(run, started),
        recorded_at=run.finished_at,
    )  # fmt: skip


def _counts(run: FeedImport, feed: ParsedFeed, vehicles: int) -> None:
    run.rows_read, run.vehicles = feed.rows_read, vehicles
    run.invalid_rows, run.duplicates, run.warnings = (
        feed.invalid_rows, feed.duplicates, feed.warnings,
    )  # fmt: skip
    run.progress = 90
    FeedImport.objects.filter(pk=run.pk).update(
        progress=90, rows_read=run.rows_read, vehicles=vehicles
    )


def _validate_and_write(run, source, data, store, say, finish) -> tuple[ParsedFeed, int]:
    """Every row validated and the snapshot replaced, all in one transaction.

    PostgreSQL: one pass, the parser streaming the records into ``COPY`` as it reads them
    (``feeds.pg_stream``). Otherwise the Python parser validates every row before the
    transaction starts. Either way the rows' store names go through the store aliases
    (as they are now: an alias added later applies from the next import). Raises
    :class:`FeedRejected`.
    """
    stores = store_aliases(source)
    if connection.vendor == "postgresql":
        with transaction.atomic():
            feed, removed = pg_import(
                source=source, data=data, store=store, feed_import_id=run.pk, stores=stores
            )
            _counts(run, feed, feed.kept - feed.without_vin)
            say(_said(source, run, feed))
            finish(removed)
            return feed, removed
    feed = feed_parse(source, data, store=store, stores=stores)
    FeedImport.objects.filter(pk=run.pk).update(progress=50, rows_read=feed.rows_read)
    with transaction.atomic():
        _counts(run, feed, feed.kept - feed.without_vin)
        say(_said(source, run, feed))
        removed = snapshot_replace(
            source=source, store=store, records=feed.records, feed_import_id=run.pk,
            stores=stores,
        )  # fmt: skip
        FeedIssue.objects.bulk_create(
            [
                FeedIssue(
                    feed_import=run,
                    line_number=i.line_number,
                    raw_value=i.raw_value[:200],
                    reason=i.reason,
                    message=i.message[:300],
                    is_warning=i.is_warning,
                )
                for i in feed.issues
            ],
            batch_size=2000,
        )
        finish(removed)
        return feed, removed


def _said(source: str, run: FeedImport, feed: ParsedFeed) -> str:
    return (
        f"{source}: {counted(run.rows_read, 'row')}, {_kept_said(source, run.vehicles, feed)}, "
        f"{run.invalid_rows:,} invalid, {counted(run.duplicates, 'duplicate')}, "
        f"{counted(run.warnings, 'warning')}."
    )


def _kept_said(source: str, vehicles: int, feed: ParsedFeed) -> str:
    """ "3 vehicles", or "3 vehicles and 1 order without a VIN yet" (OEM), "... and 2 VIN 8
    listings" (vAuto): records kept in the snapshot that are no vehicle (yet)."""
    said = counted(vehicles, "vehicle")
    if feed.without_vin:
        what = "order without a VIN yet" if source == "oem" else "VIN 8 listing"
        plural = "orders without a VIN yet" if source == "oem" else "VIN 8 listings"
        said += f" and {counted(feed.without_vin, what, plural)}"
    return said


def feed_import(
    *,
    source: str,
    data: bytes | None = None,
    path: str | Path | None = None,
    filename: str = "",
    store: str = "",
    user=None,
    run: FeedImport | None = None,
    progress: Progress | None = None,
    as_of: datetime | None = None,
) -> FeedImport:
    """Import one snapshot of ``source`` (from ``data`` or ``path``); returns the run row.

    The run is dated now, or ``as_of`` for back-filled history (the demo's past days).

    Every row is validated before anything is written. A store name that cannot be one
    raises :class:`StoreNameInvalid` before any run row; a known store's name in another
    case or spacing is that store's (``midway  honda`` is ``Midway Honda``: its part of
    the snapshot is the one replaced), and so is a store alias of ``source`` (the OEM's
    dealer code ``C55555``). A structurally bad file ends the run ``rejected`` with its
    reason and changes nothing else. Otherwise the source's snapshot (only
    ``store``'s part when given) is replaced in one transaction and the invalid/duplicate
    rows are kept as :class:`FeedIssue` rows.
    """
    if source not in Source.values:
        raise ValueError(f"Unknown source {source!r}; expected one of {', '.join(Source.values)}.")
    say = progress or (lambda message: None)
    store = store_canonical(store_checked(store), source=source, fresh=True)
    if path is not None:
        filename = filename or Path(path).name
    filename = _CONTROL.sub("", filename)  # as sent, less what no file name holds
    runs_reap_stale(models=[FeedImport])  # imports a dead worker left "running"
    if run is not None:
        run.refresh_from_db()
        if run.heartbeat_at is not None and run.status == RunStatus.RUNNING:
            # A worker started this run and died; its task is delivered again: the
            # interrupted run is failed and the import starts afresh under a new row.
            FeedImport.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
                status=RunStatus.FAILED, finished_at=timezone.now(),
                error=interrupted_message(run.heartbeat_at, by="its task, delivered again"),
            )  # fmt: skip
            run = None
    if run is None:
        run = FeedImport.objects.create(
            source=source, store=store, filename=filename[:255], created_by=user,
            started_at=as_of or timezone.now(),
        )  # fmt: skip
    else:
        run.store = store  # in the spelling known now (the form's may be minutes old)
        FeedImport.objects.filter(pk=run.pk).update(
            status=RunStatus.RUNNING, progress=5, store=store
        )
    run_heartbeat(run)
    started = time.monotonic()
    try:
        if data is None:
            data = Path(path).read_bytes()
        say(f"Reading {filename or source} ({len(data):,} bytes)…")

        def finish(removed: int) -> None:
            """Inside the data's transaction: the run succeeds with its data, or not at all."""
            _finish(run, started, RunStatus.SUCCEEDED, as_of=as_of)
            audit_record(
                actor=user,
                action="inventory.feed_import",
                obj=run,
                note=filename,
                data={**_metrics(run, started), "removed": removed, "store": store},
            )

        try:
            feed, removed = _validate_and_write(run, source, data, store, say, finish)
        except FeedRejected as exc:
            _finish(run, started, RunStatus.REJECTED, str(exc), as_of=as_of)
            with transaction.atomic():
                audit_record(actor=user, action="inventory.feed_reject", obj=run, note=str(exc))
            return run
        kept = _kept_said(source, run.vehicles, feed)
        say(f"Imported {source}: {kept}, {removed:,} gone since last time.")
        return run
    except Exception as exc:
        logger.exception("feed import %s failed", run.pk)
        connection_recover()  # the failure may be a lost connection
        _finish(run, started, RunStatus.FAILED, f"{type(exc).__name__}: {exc}", as_of=as_of)
        raise
