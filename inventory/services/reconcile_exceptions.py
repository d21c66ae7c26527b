"""The exception statements of a reconciliation (SQLite and PostgreSQL): the conditions of
the vehicles in scope staged, then exceptions reopened, refreshed, cleared and opened,
each automatic change audited set-based. Scope and helpers: ``reconcile_sql``.

At a million vehicles a daily run clears ~90k exceptions and opens ~65k (the bench's
steady-state day; ~190k and ~90k on a busier one). A clear changes
``state``, so on PostgreSQL it is never a HOT update: the new row version goes into every
index whose condition it meets. Hence the exception's indexes (``InventoryException.Meta``):
the lists of open and triaged work are partial indexes that a cleared row leaves, and a
clear writes four index entries (primary key, (vin, kind), list order, stock number)
instead of six; no foreign key has a database constraint, so inserts queue no checks.
"""

from datetime import timedelta

from django.db import connection

from fleetops.models import AuditEntry
from inventory.models import (
    OPEN_STATES,
    InventoryException,
    InventorySettings,
    Priority,
    Vehicle,
)
from inventory.services.reconcile_sql import COND, bulk_load, collate_c, in_scope, temp_analyze

KIND_SPECS = (
    ("oem_not_in_cdk", Priority.CRITICAL, "v.in_oem AND NOT v.in_cdk"),
    ("not_marketed", Priority.HIGH, "v.in_cdk AND NOT v.in_vauto"),
    ("ghost_listing", Priority.HIGH, "v.in_vauto AND NOT v.in_cdk"),
    ("no_tracking", Priority.MEDIUM, "v.in_cdk AND NOT v.in_lojack"),
)


def conditions_stage(cursor, settings: InventorySettings, *, full: bool = False) -> None:
    """The exception conditions of the dirty vehicles, with the money at risk of each and
    the id of the (VIN, kind) exception row when there is one.

    One pass over the dirty vehicles (crossed with the four kinds) and one lookup of the
    existing exceptions, so the statements that follow join on ``exc_id`` (primary key)
    and the INSERT of new exceptions never reads the table it writes: an anti-join of an
    INSERT against its own target, planned while the table was still empty, re-scanned
    the growing table for every row (quadratic at a million vehicles).
    """
    v = Vehicle._meta.db_table
    e = InventoryException._meta.db_table
    cursor.execute(
        f"CREATE TEMPORARY TABLE {COND} (vehicle_id bigint, vin varchar(17), kind varchar(20), "
        "priority varchar(10), store varchar(60), stock varchar(30), amount numeric(14,2), "
        "exc_id bigint)"
    )
    share = connection.ops.adapt_decimalfield_value(settings.oem_at_risk_share, 6, 4)
    kinds = " UNION ALL ".join(
        f"SELECT '{kind}' AS kind, '{priority}' AS priority" for kind, priority, _ in KIND_SPECS
    )
    holds = " OR ".join(f"(k.kind = '{kind}' AND {where})" for kind, _, where in KIND_SPECS)
    # the share to the cent, half a cent up on both databases, as the run's total: SQLite
    # kept the float product (16666.665), which Django reads back half-even (16666.66)
    amount = (
        "CASE k.kind WHEN 'oem_not_in_cdk' THEN ROUND(COALESCE(v.msrp, 0) * %s, 2) "
        "WHEN 'ghost_listing' THEN COALESCE(v.price, 0) ELSE COALESCE(v.cost, 0) END"
    )
    cursor.execute(
        f"INSERT INTO {COND} SELECT v.id, v.vin, k.kind, k.priority, v.store, v.stock_number, "
        f"{amount}, x.id FROM {v} v "
        f"JOIN ({kinds}) k ON {holds} LEFT JOIN {e} x ON x.vin = v.vin AND x.kind = k.kind "
        f"WHERE {in_scope('v.vin', full=full)}",
        [share],
    )
    cursor.execute(f"CREATE INDEX {COND}_exc ON {COND} (exc_id)")
    temp_analyze(cursor, COND, "exc_id", "vin")


def exceptions_apply(
    cursor, run_id: int, now, settings: InventorySettings, *, full: bool = False
) -> None:
    e = InventoryException._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    now_db = adapt(now)
    due = [adapt(now + timedelta(days=settings.sla_days(p))) for p in Priority.values]
    due_case = "CASE priority WHEN 'CRITICAL' THEN %s WHEN 'HIGH' THEN %s ELSE %s END"
    holds = f"EXISTS (SELECT 1 FROM {COND} c WHERE c.exc_id = {e}.id)"
    open_states = ", ".join(f"'{s}'" for s in OPEN_STATES)
    dirty = in_scope("vin", full=full)
    # Reopen: cleared by a feed, or resolved while the condition had gone, and back now.
    # Each audit entry keeps the opened_at it replaces, as a reopen by hand does: the
    # history still shows when the exception first opened.
    _audited(
        cursor,
        "state = 'open', active = %s, opened_at = %s, closed_at = NULL, close_reason = '', "
        f"times_reopened = times_reopened + 1, sla_due_at = {due_case}, "
        "snoozed_until = NULL, acknowledged_at = NULL, resolved_by_id = NULL, "
        "last_event = 'reopened', last_event_run_id = %s, updated_at = %s",
        f"(state = 'cleared' OR (state = 'resolved' AND NOT active)) AND {holds}",
        [True, now_db, *due, run_id, now_db],
        event="reopened", note="condition is back", run_id=run_id, now_db=now_db,
        remember="opened_at",
    )  # fmt: skip
    # Keep: the condition still holds; refresh what may have moved (no duplicate row).
    cursor.execute(
        f"UPDATE {e} SET active = %s, amount = c.amount, store = c.store, "
        f"stock_number = c.stock, updated_at = %s FROM {COND} c "
        f"WHERE c.exc_id = {e}.id AND (NOT {e}.active "
        f"OR {e}.amount <> c.amount OR {e}.store <> c.store OR {e}.stock_number <> c.stock)",
        [True, now_db],
    )
    # Clear: the feeds no longer show the condition.
    _audited(
        cursor,
        "state = 'cleared', active = %s, closed_at = %s, close_reason = 'cleared by feed', "
        "last_event = 'cleared', last_event_run_id = %s, updated_at = %s",
        f"state IN ({open_states}) AND {dirty} AND NOT {holds}",
        [False, now_db, run_id, now_db],
        event="cleared", note="cleared by feed", run_id=run_id, now_db=now_db,
    )  # fmt: skip
    cursor.execute(
        f"UPDATE {e} SET active = %s, updated_at = %s "
        f"WHERE state = 'resolved' AND active AND {dirty} AND NOT {holds}",
        [False, now_db],
    )
    # Open: first time seen (no row for the VIN and kind when the conditions were staged,
    # one per vehicle and kind: unique by themselves).
    with bulk_load(cursor, InventoryException) as rebuilt:
        order = "" if rebuilt else f" ORDER BY c.vin{collate_c()}, c.kind{collate_c()}"
        cursor.execute(
            f"INSERT INTO {e} (vehicle_id, vin, stock_number, store, kind, priority, state, "
            "active, amount, opened_at, sla_due_at, close_reason, times_reopened, last_event, "
            "last_event_run_id, note, updated_at) "
            "SELECT c.vehicle_id, c.vin, c.stock, c.store, c.kind, c.priority, 'open', %s, "
            f"c.amount, %s, {due_case.replace('priority', 'c.priority')}, '', 0, 'opened', %s, "
            f"'', %s FROM {COND} c WHERE c.exc_id IS NULL{order}",
            [True, now_db, *due, run_id, now_db],
        )
    # Snoozes that have run out are open again (a change of state: audited).
    _audited(
        cursor,
        "state = 'open', snoozed_until = NULL, last_event = 'snooze_ended', "
        "last_event_run_id = %s, updated_at = %s",
        "state = 'snoozed' AND snoozed_until <= %s",
        [run_id, now_db, now_db],
        event="snooze_ended", note="snooze ended", run_id=run_id, now_db=now_db,
    )  # fmt: skip


def _audited(
    cursor, changes: str, where: str, params: list, *, event: str, note: str, run_id: int,
    now_db, remember: str = "",
) -> None:  # fmt: skip
    """``UPDATE`` exceptions ``SET changes WHERE where`` and audit each row it changed (system
    actor), set-based; with ``remember`` (a datetime column) each entry's data keeps that
    column's value before the update (``{"opened_at": "<ISO 8601, UTC>"}``).

    PostgreSQL: one statement, the UPDATE's RETURNING feeding the audit INSERT (so no
    index on the run is needed to find the rows again); a subquery there reads the row as
    the statement found it (the statement's snapshot), i.e. the value before. SQLite: the
    rows changed found again by the run's id; with ``remember``, audited first from the
    same ``where`` (the reconciliation holds SQLite's one write lock meanwhile)."""
    a = AuditEntry._meta.db_table
    e = InventoryException._meta.db_table
    update = f"UPDATE {e} SET {changes} WHERE {where}"
    audit = (
        f"INSERT INTO {a} (actor_id, action, object_type, object_id, note, data, created_at) "
        f"SELECT NULL, 'inventory_exception.{event}', 'inventory.inventoryexception', "
        f"CAST(id AS varchar(20)), '{note}', {{data}}, %s FROM {{rows}}"
    )  # fmt: skip
    if connection.vendor == "postgresql":
        returning, data = "id", "CAST('{}' AS jsonb)"
        if remember:
            returning += f", (SELECT o.{remember} FROM {e} o WHERE o.id = {e}.id) AS previous"
            data = f"jsonb_build_object('{remember}', previous)"
        cursor.execute(
            f"WITH changed AS ({update} RETURNING {returning}) "
            + audit.format(data=data, rows="changed"),
            [*params, now_db],
        )
    elif remember:  # stored as naive UTC text: written as ISO 8601 with its offset
        data = f"json_object('{remember}', replace({remember}, ' ', 'T') || '+00:00')"
        cursor.execute(audit.format(data=data, rows=f"{e} WHERE {where}"), [now_db])
        cursor.execute(update, params)
    else:
        cursor.execute(update, params)
        cursor.execute(
            audit.format(data="'{}'", rows=e) + " WHERE last_event_run_id = %s AND last_event = %s",
            [now_db, run_id, event],
        )
