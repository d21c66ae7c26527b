"""``vehicles_reconcile``: the four snapshots compared set-based in SQL, on SQLite and PostgreSQL.

Steps, each one statement over the whole table (no Python loop over vehicles):
vehicles upserted from the source rows with their presence flags; the exception
conditions staged in a temporary table; exceptions reopened, refreshed, cleared
("cleared by feed") and opened; probable matches refreshed; counts and money summed.
"""

import logging
import time
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from fleetops.models import AuditEntry, RunStatus
from inventory.models import (
    OPEN_STATES,
    InventoryException,
    InventorySettings,
    Priority,
    ReconciliationRun,
    RunLock,
    SourceRecord,
    Vehicle,
)
from inventory.services.matches import matches_refresh

logger = logging.getLogger(__name__)
LOCK_NAME = "reconcile"
STALE_LOCK = timedelta(hours=2)
COND = "inv_reconcile_cond"
KINDS = ("oem_not_in_cdk", "not_marketed", "ghost_listing", "no_tracking")


class ReconcileBusy(Exception):
    """Another reconciliation holds the lock; ``run`` is the refused run's row."""

    def __init__(self, message: str, run: ReconciliationRun):
        super().__init__(message)
        self.run = run


SOURCES = (("cdk", "C"), ("vauto", "V"), ("lojack", "L"), ("oem", "O"))
DATA_COLS = (
    "store", "stock_number", "year", "make", "model", "trim", "category", "cost", "price",
    "msrp", "in_cdk", "in_vauto", "in_lojack", "in_oem", "combo",
)  # fmt: skip


def _pick(column: str, sources: str, *, text: bool = True) -> str:
    """The value of the first source (letters in order of preference) that has one."""
    parts = [f"NULLIF({s}.{column}, '')" if text else f"{s}.{column}" for s in sources]
    if text:
        parts.append("''")
    return parts[0] if len(parts) == 1 else f"COALESCE({', '.join(parts)})"


def _vehicles_upsert(cursor, now) -> None:
    """One row per VIN from the four snapshots, joined on the (source, key) unique index."""
    v = Vehicle._meta.db_table
    sr = SourceRecord._meta.db_table
    vins = " UNION ".join(
        f"SELECT key AS vin FROM {sr} WHERE source = '{s}' AND vin <> ''" for s, _ in SOURCES
    )
    joins = " ".join(
        f"LEFT JOIN {sr} {s[0]} ON {s[0]}.source = '{s}' AND {s[0]}.key = k.vin" for s, _ in SOURCES
    )
    present = {s: f"({s[0]}.id IS NOT NULL)" for s, _ in SOURCES}
    combo = " || ".join(
        f"CASE WHEN {s[0]}.id IS NOT NULL THEN '{letter}' ELSE '' END" for s, letter in SOURCES
    )
    select = ", ".join(
        [
            _pick("store", "cvlo"), _pick("stock_number", "cvl"),
            _pick("year", "cvol", text=False), _pick("make", "cvol"), _pick("model", "cvol"),
            _pick("trim", "cv"), _pick("category", "cv"), _pick("cost", "c", text=False),
            _pick("price", "vc", text=False), _pick("msrp", "oc", text=False),
            present["cdk"], present["vauto"], present["lojack"], present["oem"], combo,
        ]
    )  # fmt: skip
    changed = " OR ".join(
        f"{v}.{c} IS DISTINCT FROM excluded.{c}"
        if connection.vendor == "postgresql"
        else f"{v}.{c} IS NOT excluded.{c}"
        for c in DATA_COLS
    )
    cursor.execute(
        f"INSERT INTO {v} (vin, {', '.join(DATA_COLS)}, first_seen_at, last_seen_at) "
        f"SELECT k.vin, {select}, %s, %s FROM ({vins}) k {joins} WHERE true "
        f"ON CONFLICT (vin) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in DATA_COLS)
        + f" WHERE {changed}",
        [now, now],
    )
    # Gone from every source: no presence left, last seen now.
    cursor.execute(
        f"UPDATE {v} SET in_cdk = %s, in_vauto = %s, in_lojack = %s, in_oem = %s, combo = '', "
        f"last_seen_at = %s WHERE combo <> '' AND NOT EXISTS "
        f"(SELECT 1 FROM {sr} s WHERE s.vin = {v}.vin)",
        [False, False, False, False, now],
    )


def _conditions_stage(cursor, settings: InventorySettings) -> None:
    v = Vehicle._meta.db_table
    cursor.execute(f"DROP TABLE IF EXISTS {COND}")
    cursor.execute(
        f"CREATE TEMPORARY TABLE {COND} (vehicle_id bigint, vin varchar(17), kind varchar(20), "
        "priority varchar(10), store varchar(60), stock varchar(30), amount numeric(14,2))"
    )
    share = connection.ops.adapt_decimalfield_value(settings.oem_at_risk_share, 6, 4)
    specs = (
        ("oem_not_in_cdk", Priority.CRITICAL, "in_oem AND NOT in_cdk", "COALESCE(msrp, 0) * %s"),
        ("not_marketed", Priority.HIGH, "in_cdk AND NOT in_vauto", "COALESCE(cost, 0)"),
        ("ghost_listing", Priority.HIGH, "in_vauto AND NOT in_cdk", "COALESCE(price, 0)"),
        ("no_tracking", Priority.MEDIUM, "in_cdk AND NOT in_lojack", "COALESCE(cost, 0)"),
    )
    for kind, priority, where, amount in specs:
        cursor.execute(
            f"INSERT INTO {COND} SELECT id, vin, '{kind}', '{priority}', store, stock_number, "
            f"{amount} FROM {v} WHERE {where}",
            [share] if "%s" in amount else [],
        )
    cursor.execute(f"CREATE INDEX {COND}_vk ON {COND} (vin, kind)")
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {COND}")


def _exceptions_apply(cursor, run_id: int, now, settings: InventorySettings) -> None:
    e = InventoryException._meta.db_table
    a = AuditEntry._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    now_db = adapt(now)
    due = [adapt(now + timedelta(days=settings.sla_days(p))) for p in Priority.values]
    due_case = "CASE priority WHEN 'CRITICAL' THEN %s WHEN 'HIGH' THEN %s ELSE %s END"
    holds = f"EXISTS (SELECT 1 FROM {COND} c WHERE c.vin = {e}.vin AND c.kind = {e}.kind)"
    open_states = ", ".join(f"'{s}'" for s in OPEN_STATES)
    # Reopen: cleared by a feed, or resolved while the condition had gone, and back now.
    cursor.execute(
        f"UPDATE {e} SET state = 'open', active = %s, opened_at = %s, closed_at = NULL, "
        f"close_reason = '', times_reopened = times_reopened + 1, sla_due_at = {due_case}, "
        "snoozed_until = NULL, acknowledged_at = NULL, resolved_by_id = NULL, "
        "last_event = 'reopened', last_event_run_id = %s, updated_at = %s "
        f"WHERE (state = 'cleared' OR (state = 'resolved' AND NOT active)) AND {holds}",
        [True, now_db, *due, run_id, now_db],
    )
    # Keep: the condition still holds; refresh what may have moved (no duplicate row).
    cursor.execute(
        f"UPDATE {e} SET active = %s, amount = c.amount, store = c.store, "
        f"stock_number = c.stock, updated_at = %s FROM {COND} c "
        f"WHERE c.vin = {e}.vin AND c.kind = {e}.kind AND (NOT {e}.active "
        f"OR {e}.amount <> c.amount OR {e}.store <> c.store OR {e}.stock_number <> c.stock)",
        [True, now_db],
    )
    # Clear: the feeds no longer show the condition.
    cursor.execute(
        f"UPDATE {e} SET state = 'cleared', active = %s, closed_at = %s, "
        "close_reason = 'cleared by feed', last_event = 'cleared', last_event_run_id = %s, "
        f"updated_at = %s WHERE state IN ({open_states}) AND NOT {holds}",
        [False, now_db, run_id, now_db],
    )
    cursor.execute(
        f"UPDATE {e} SET active = %s, updated_at = %s "
        f"WHERE state = 'resolved' AND active AND NOT {holds}",
        [False, now_db],
    )
    # Open: first time seen.
    cursor.execute(
        f"INSERT INTO {e} (vehicle_id, vin, stock_number, store, kind, priority, state, active, "
        "amount, opened_at, sla_due_at, close_reason, times_reopened, last_event, "
        "last_event_run_id, note, updated_at) "
        f"SELECT c.vehicle_id, c.vin, c.stock, c.store, c.kind, c.priority, 'open', %s, "
        f"c.amount, %s, {due_case.replace('priority', 'c.priority')}, '', 0, 'opened', %s, '', %s "
        f"FROM {COND} c WHERE NOT EXISTS "
        f"(SELECT 1 FROM {e} x WHERE x.vin = c.vin AND x.kind = c.kind)",
        [True, now_db, *due, run_id, now_db],
    )
    # Snoozes that have run out are open again.
    cursor.execute(
        f"UPDATE {e} SET state = 'open', snoozed_until = NULL, updated_at = %s "
        "WHERE state = 'snoozed' AND snoozed_until <= %s",
        [now_db, now_db],
    )
    # Audit the automatic changes (system actor), set-based.
    empty_json = "CAST('{}' AS jsonb)" if connection.vendor == "postgresql" else "'{}'"
    cursor.execute(
        f"INSERT INTO {a} (actor_id, action, object_type, object_id, note, data, created_at) "
        "SELECT NULL, 'inventory_exception.' || last_event, 'inventory.inventoryexception', "
        "CAST(id AS varchar(20)), CASE last_event WHEN 'cleared' THEN 'cleared by feed' "
        f"ELSE 'condition is back' END, {empty_json}, %s FROM {e} "
        "WHERE last_event_run_id = %s AND last_event IN ('reopened', 'cleared')",
        [now_db, run_id],
    )


def _totals(cursor, run: ReconciliationRun, settings: InventorySettings, now) -> None:
    v = Vehicle._meta.db_table
    sr = SourceRecord._meta.db_table
    cursor.execute(f"SELECT combo, COUNT(*) FROM {v} WHERE combo <> '' GROUP BY combo")
    matrix = dict(cursor.fetchall())
    run.matrix = dict(sorted(matrix.items(), key=lambda kv: (-kv[1], kv[0])))
    run.vehicles = sum(matrix.values())
    run.sources = {
        name: sum(n for combo, n in matrix.items() if letter in combo)
        for name, letter in (("cdk", "C"), ("vauto", "V"), ("lojack", "L"), ("oem", "O"))
    }
    run.aligned = sum(n for combo, n in matrix.items() if {"C", "V", "L"} <= set(combo))
    cursor.execute(f"SELECT kind, COUNT(*), SUM(amount) FROM {COND} GROUP BY kind")
    by_kind = {kind: (count, Decimal(str(total or 0))) for kind, count, total in cursor.fetchall()}
    for kind in KINDS:
        setattr(run, kind, by_kind.get(kind, (0, 0))[0])
    cents = Decimal("0.01")
    run.oem_at_risk = Decimal(by_kind.get("oem_not_in_cdk", (0, 0))[1]).quantize(cents)
    run.not_marketed_value = Decimal(by_kind.get("not_marketed", (0, 0))[1]).quantize(cents)
    run.untracked_value = Decimal(by_kind.get("no_tracking", (0, 0))[1]).quantize(cents)
    run.floorplan_monthly = (run.not_marketed_value * settings.floorplan_monthly_rate).quantize(
        cents
    )
    cursor.execute(f"SELECT COUNT(*) FROM {sr} WHERE source = 'oem' AND vin = ''")
    run.pending_oem = cursor.fetchone()[0]
    by_store: dict[str, dict[str, int]] = {}
    for store, kind, count in (
        InventoryException.objects.open()
        .values_list("store", "kind")
        .annotate(n=Count("id"))
        .order_by()
    ):
        by_store.setdefault(store or "—", {})[kind] = count
    run.by_store = by_store


def reconcile_metrics(run: ReconciliationRun, started: float) -> dict:
    return {
        "vehicles": run.vehicles,
        "aligned": run.aligned,
        "aligned_pct": run.aligned_pct,
        "oem_not_in_cdk": run.oem_not_in_cdk,
        "not_marketed": run.not_marketed,
        "ghost_listing": run.ghost_listing,
        "no_tracking": run.no_tracking,
        "critical_open": InventoryException.objects.open()
        .filter(priority=Priority.CRITICAL)
        .count(),
        "oem_at_risk": run.oem_at_risk,
        "not_marketed_value": run.not_marketed_value,
        "floorplan_monthly": run.floorplan_monthly,
        "untracked_value": run.untracked_value,
        "duration_seconds": round(time.monotonic() - started, 3),
    }


def _lock_claim(holder: str, now) -> bool:
    RunLock.objects.get_or_create(name=LOCK_NAME)
    return bool(
        RunLock.objects.filter(name=LOCK_NAME)
        .filter(Q(holder="") | Q(claimed_at__lt=now - STALE_LOCK))
        .update(holder=holder, claimed_at=now)
    )


def _lock_release(holder: str) -> None:
    RunLock.objects.filter(name=LOCK_NAME, holder=holder).update(holder="", claimed_at=None)


def vehicles_reconcile(
    *, user=None, run: ReconciliationRun | None = None, as_of: datetime | None = None
) -> ReconciliationRun:
    """Reconcile the four snapshots now (or ``as_of``, for back-filled history); returns the run.

    Raises :class:`ReconcileBusy` (after recording the refused run) when another
    reconciliation holds the lock. Re-running with unchanged feeds changes nothing.
    """
    from monitoring.services import run_finished

    started = time.monotonic()
    now = as_of or timezone.now()
    if run is None:
        run = ReconciliationRun.objects.create(created_by=user, started_at=now)
    elif as_of is not None:
        run.started_at = now
    holder = f"run:{run.pk}"
    if not _lock_claim(holder, timezone.now()):
        current = RunLock.objects.get(name=LOCK_NAME).holder
        message = f"Another reconciliation is running ({current}); not started."
        ReconciliationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.REJECTED, error=message, finished_at=timezone.now()
        )
        run.refresh_from_db()
        run_finished(
            source="inventory.reconcile", run_id=run.pk,
            metrics={"duration_seconds": round(time.monotonic() - started, 3)},
        )  # fmt: skip
        raise ReconcileBusy(message, run)
    settings = InventorySettings.load()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                now_db = connection.ops.adapt_datetimefield_value(now)
                _vehicles_upsert(cursor, now_db)
                _conditions_stage(cursor, settings)
                _exceptions_apply(cursor, run.pk, now, settings)
                matches_refresh(cursor, now)
                _totals(cursor, run, settings, now)
                cursor.execute(f"DROP TABLE {COND}")
            run.status = RunStatus.SUCCEEDED
            run.finished_at = now + timedelta(seconds=time.monotonic() - started)
            run.save()
            run_finished(
                source="inventory.reconcile", run_id=run.pk,
                metrics=reconcile_metrics(run, started),
            )  # fmt: skip
        return run
    except Exception as exc:
        logger.exception("reconciliation %s failed", run.pk)
        ReconciliationRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}",
            finished_at=timezone.now(),
        )  # fmt: skip
        run.refresh_from_db()
        run_finished(
            source="inventory.reconcile", run_id=run.pk, metrics=reconcile_metrics(run, started)
        )
        raise
    finally:
        _lock_release(holder)
