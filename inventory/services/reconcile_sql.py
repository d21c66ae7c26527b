"""The set-based statements of a reconciliation (SQLite and PostgreSQL).

Work is limited to the *dirty* VINs: those whose source rows an import added, changed
or removed since the last reconciliation (``DirtyVin`` rows, written by the import in
its own transaction), or every VIN on a full run. A daily snapshot mostly repeats
itself, so a steady-state run touches a few percent of the vehicles; totals are still
computed over the whole table.

Measured at a million vehicles (PostgreSQL, see bench/bench_inventory.py), what costs
is writing rows and their index entries: a vehicle whose presence changes, an exception
cleared or opened. So nothing is written that did not change (staged differences
first), a first run into empty tables builds the indexes (all but the primary key)
after its bulk INSERT, sorts are in byte order, and JIT is off (it compiled for 0.5 s
per statement).
A vehicle whose presence changed has a new ``combo``, which an index needs (the
dashboard's drill-through to rare combinations), so its UPDATE writes every index of the
table: the vehicle has four (id, VIN in byte order serving equality, prefix and order,
stock number, combo; migration 0017 removed the VIN's LIKE twin).
"""

from contextlib import contextmanager
from decimal import Decimal

from django.db import connection
from django.db.models import Count

from fleetops.money import cents
from fleetops.pgbulk import indexes_rebuilt
from inventory.feeds.parsing import store_key
from inventory.models import (
    KIND_PRIORITY,
    DirtyVin,
    InventoryException,
    InventorySettings,
    Priority,
    ReconciliationRun,
    SourceRecord,
    Vehicle,
)

COND = "inv_reconcile_cond"
DVIN = "inv_reconcile_vins"
VSTAGE = "inv_reconcile_vehicles"
TEMP_TABLES = (COND, DVIN, VSTAGE)


def collate_c() -> str:
    """Sort in byte order (the unique indexes' order for VINs), not by the database's
    locale (libc ``strcoll`` per comparison: several times slower on a million rows)."""
    return ' COLLATE "C"' if connection.vendor == "postgresql" else ""


def temp_analyze(cursor, table: str, *columns: str) -> None:
    """Statistics for a temporary table (it has none otherwise): its size, and the
    distributions of ``columns`` only, those the statements that follow join or filter
    on (at a quarter of a million rows, every column's cost ~0.5 s, these ~0.1 s)."""
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {table} ({', '.join(columns)})")


def dirty_stage(cursor, *, full: bool) -> bool:
    """Stage the VINs to recompute (every one when asked or queued, see ``DirtyVin.EVERY``);
    returns False when none were staged because every VIN is in scope (a full run on
    PostgreSQL: the statements then read the source and vehicle tables directly). The
    queue is locked against new entries until this run commits (imports wait for it), so
    it can be emptied wholesale at the end."""
    d = DirtyVin._meta.db_table
    for table in TEMP_TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
    pg = connection.vendor == "postgresql"
    if pg:
        cursor.execute(f"LOCK TABLE {d} IN SHARE ROW EXCLUSIVE MODE")
    # (SQLite: this transaction already holds the database's only write lock.)
    if not full:  # a source loaded whole queued every VIN at once
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {d} WHERE vin = %s)", [DirtyVin.EVERY])
        full = cursor.fetchone()[0]
    if full and pg:
        return False
    if full:
        sr, v = SourceRecord._meta.db_table, Vehicle._meta.db_table
        cursor.execute(
            f"CREATE TEMPORARY TABLE {DVIN} AS SELECT vin FROM {sr} WHERE vin <> '' "
            f"UNION SELECT vin FROM {v} WHERE combo <> ''"
        )
    else:
        cursor.execute(f"CREATE TEMPORARY TABLE {DVIN} AS SELECT DISTINCT vin FROM {d}")
    if not pg:  # PostgreSQL hashes it; SQLite wants the index
        cursor.execute(f"CREATE UNIQUE INDEX {DVIN}_vin ON {DVIN} (vin)")
    temp_analyze(cursor, DVIN, "vin")
    return True


def dirty_consume(cursor) -> None:
    d = DirtyVin._meta.db_table
    if connection.vendor == "postgresql":
        cursor.execute(f"TRUNCATE {d}")
    else:
        cursor.execute(f"DELETE FROM {d}")
    for table in TEMP_TABLES:
        cursor.execute(f"DROP TABLE IF EXISTS {table}")


def in_scope(column: str, *, full: bool) -> str:
    """SQL condition: ``column`` (a VIN) is one this run recomputes (``full``: no VINs
    were staged, every one is in scope)."""
    return "1 = 1" if full else f"{column} IN (SELECT vin FROM {DVIN})"


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


def vehicles_upsert(cursor, now, *, full: bool = False) -> int:
    """One row per VIN in scope from the four snapshots; returns how many vehicles were
    inserted. ``full`` (no VINs staged): the four snapshots and the vehicles are joined
    whole (hash full joins), every VIN in any of them in scope.

    A VIN gone from every source keeps its row with no presence, last seen now.
    """
    v = Vehicle._meta.db_table
    sr = SourceRecord._meta.db_table
    present = {s: f"({s[0]}.id IS NOT NULL)" for s, _ in SOURCES}
    combo = " || ".join(
        f"CASE WHEN {s[0]}.id IS NOT NULL THEN '{letter}' ELSE '' END" for s, letter in SOURCES
    )
    select = (
        [
            _pick("store", "cvlo"), _pick("stock_number", "cvl"),
            _pick("year", "cvol", text=False), _pick("make", "cvol"), _pick("model", "cvol"),
            _pick("trim", "cv"), _pick("category", "cv"), _pick("cost", "c", text=False),
            # CDK's list price, else its MSRP: the feed format's "list price" names both
            "COALESCE(v.price, c.price, c.msrp)", _pick("msrp", "oc", text=False),
            present["cdk"], present["vauto"], present["lojack"], present["oem"], combo,
        ]
    )  # fmt: skip
    distinct = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    anywhere = " OR ".join(f"{s[0]}.id IS NOT NULL" for s, _ in SOURCES)
    differs = " OR ".join(
        f"x.{col} {distinct} {expr}" for expr, col in zip(select, DATA_COLS, strict=True)
    )
    values = ", ".join(f"{expr} AS {col}" for expr, col in zip(select, DATA_COLS, strict=True))
    changed = f"(x.id IS NULL AND ({anywhere})) OR (x.id IS NOT NULL AND ({differs}))"
    # Staged first (a temporary table: no WAL), only the new vehicles and those whose
    # values changed, with the id when the vehicle exists: then a plain UPDATE of those
    # rows and a plain INSERT of the new ones. (INSERT ... ON CONFLICT DO UPDATE locked and
    # logged every unchanged dirty row; a full run mostly finds nothing to change.)
    if full:  # each snapshot's VIN rows (keyed by the VIN) and the vehicles, joined whole
        rows = "(SELECT * FROM {sr} WHERE source = '{source}' AND vin <> '') {s}"
        joins, keys = rows.format(sr=sr, source="cdk", s="c"), ["c.key"]
        for source, _ in SOURCES[1:]:
            joins += f" FULL JOIN {rows.format(sr=sr, source=source, s=source[0])} "
            joins += f"ON {source[0]}.key = COALESCE({', '.join(keys)})"
            keys.append(f"{source[0]}.key")
        vin = f"COALESCE({', '.join(keys)})"
        if not Vehicle.objects.exists():  # a first run: every row is new, none to compare
            return _vehicles_first_insert(cursor, now, vin=vin, values=values, joins=joins)
        cursor.execute(
            f"CREATE TEMPORARY TABLE {VSTAGE} AS SELECT COALESCE({vin}, x.vin) AS vin, "
            f"x.id AS vehicle_id, {values} FROM {joins} FULL JOIN {v} x ON x.vin = {vin} "
            f"WHERE {changed}"
        )
    else:
        joins = " ".join(
            f"LEFT JOIN {sr} {s[0]} ON {s[0]}.source = '{s}' AND {s[0]}.key = k.vin"
            for s, _ in SOURCES
        )
        cursor.execute(
            f"CREATE TEMPORARY TABLE {VSTAGE} AS SELECT k.vin, x.id AS vehicle_id, {values} "
            f"FROM {DVIN} k {joins} LEFT JOIN {v} x ON x.vin = k.vin WHERE {changed}"
        )
    temp_analyze(cursor, VSTAGE, "vehicle_id")
    cursor.execute(
        f"UPDATE {v} SET "
        + ", ".join(f"{c} = s.{c}" for c in DATA_COLS)
        + f", last_seen_at = CASE WHEN s.combo = '' THEN %s ELSE {v}.last_seen_at END "
        f"FROM {VSTAGE} s WHERE {v}.id = s.vehicle_id",
        [now],
    )
    # (On PostgreSQL the table has vehicles here: a first run is a full one, above.)
    cursor.execute(
        f"INSERT INTO {v} (vin, {', '.join(DATA_COLS)}, first_seen_at, last_seen_at) "
        f"SELECT vin, {', '.join(DATA_COLS)}, %s, %s FROM {VSTAGE} "
        f"WHERE vehicle_id IS NULL ORDER BY vin{collate_c()}",
        [now, now],
    )
    return cursor.rowcount


def vehicle_stores_spelled(cursor, spellings: dict[str, str], *, full: bool) -> None:
    """The vehicles whose store is a known store spelled otherwise (a CDK file writing
    both ``Northside Ford`` and ``northside  ford``) take its known spelling
    (``spellings``: ``selectors.store_spellings``), so the store counts once on the
    dashboard and its exceptions are all found by the store filters.

    Every vehicle, not only those in scope: the known spelling changes when most of the
    store's CDK rows come to be spelled otherwise (``MIDWAY HONDA``), and the vehicles no
    import touched must follow. Those renamed are brought into the scope
    (their exceptions copy the store). A few distinct names, then an UPDATE only of the
    rows spelled otherwise (usually none)."""
    v = Vehicle._meta.db_table
    cursor.execute(f"SELECT DISTINCT store FROM {v} WHERE store <> ''")
    for (store,) in cursor.fetchall():
        known = spellings.get(store_key(store))
        if known and known != store:
            if not full:
                cursor.execute(
                    f"INSERT INTO {DVIN} (vin) SELECT vin FROM {v} WHERE store = %s "
                    f"AND vin NOT IN (SELECT vin FROM {DVIN})",
                    [store],
                )
            cursor.execute(f"UPDATE {v} SET store = %s WHERE store = %s", [known, store])


def _vehicles_first_insert(cursor, now, *, vin: str, values: str, joins: str) -> int:
    """Into the empty vehicle table, straight from the snapshots joined whole (no staging
    table: at a million vehicles writing and re-reading it cost ~1.5 s). Every joined row
    has a VIN present in at least one snapshot, and only one row (each snapshot has one
    row per key). A full run is PostgreSQL's: every index but the primary key is built
    after the insert, the VIN's unique one included, so the rows need no sort (at a
    million, 6.3-7.3 s instead of 8.6-12.4 s sorted into the kept VIN index)."""
    v = Vehicle._meta.db_table
    with indexes_rebuilt(cursor, v, unique=True):  # known empty: no need for bulk_load
        cursor.execute(
            f"INSERT INTO {v} (vin, {', '.join(DATA_COLS)}, first_seen_at, last_seen_at) "
            f"SELECT {vin} AS vin, {values}, %s, %s FROM {joins}",
            [now, now],
        )
        return cursor.rowcount


@contextmanager
def bulk_load(cursor, model):
    """Around a bulk INSERT into ``model``'s table: when the table is empty (a first run)
    on PostgreSQL, its indexes but the primary key's are dropped first and built again
    after, in this transaction (see :func:`fleetops.pgbulk.indexes_rebuilt`); the
    statement's rows must then be unique by themselves. Yields True when the indexes were
    dropped: an insert into kept indexes goes faster in their order, one before a rebuild
    needs no sort."""
    if connection.vendor != "postgresql" or model.objects.exists():
        yield False
        return
    with indexes_rebuilt(cursor, model._meta.db_table, unique=True):
        yield True


def totals(cursor, run: ReconciliationRun, settings: InventorySettings, run_time) -> None:
    """Counts and money over the whole vehicle table: one grouped scan, shaped in Python;
    open exceptions per store and per priority as of ``run_time``."""
    v = Vehicle._meta.db_table
    sr = SourceRecord._meta.db_table
    cursor.execute(
        f"SELECT combo, COUNT(*), SUM(COALESCE(cost, 0)), SUM(COALESCE(msrp, 0)) FROM {v} "
        "WHERE combo <> '' GROUP BY combo"
    )
    rows = [(combo, n, Decimal(str(cost or 0)), Decimal(str(msrp or 0)))
            for combo, n, cost, msrp in cursor.fetchall()]  # fmt: skip
    matrix = {combo: n for combo, n, _, _ in rows}
    run.matrix = dict(sorted(matrix.items(), key=lambda kv: (-kv[1], kv[0])))
    run.vehicles = sum(matrix.values())
    run.sources = {
        name: sum(n for combo, n in matrix.items() if letter in combo) for name, letter in SOURCES
    }
    run.aligned = sum(n for combo, n in matrix.items() if {"C", "V", "L"} <= set(combo))
    tests = {
        "oem_not_in_cdk": lambda c: "O" in c and "C" not in c,
        "not_marketed": lambda c: "C" in c and "V" not in c,
        "ghost_listing": lambda c: "V" in c and "C" not in c,
        "no_tracking": lambda c: "C" in c and "L" not in c,
    }
    for kind, test in tests.items():
        setattr(run, kind, sum(n for combo, n, _, _ in rows if test(combo)))

    def money(kind: str, column: int) -> Decimal:
        return cents(sum((r[column] for r in rows if tests[kind](r[0])), Decimal(0)))

    run.oem_at_risk = cents(money("oem_not_in_cdk", 3) * settings.oem_at_risk_share)
    run.not_marketed_value = money("not_marketed", 2)
    run.untracked_value = money("no_tracking", 2)
    run.floorplan_monthly = cents(run.not_marketed_value * settings.floorplan_monthly_rate)
    # an OEM order with no VIN is keyed ``order:<number>``: the key's range finds them by
    # the (key, source) index instead of reading the whole snapshot table
    cursor.execute(
        f"SELECT COUNT(*) FROM {sr} WHERE key >= 'order:' AND key < 'order;' "
        "AND source = 'oem' AND vin = ''"
    )
    run.pending_oem = cursor.fetchone()[0]
    # One grouped pass over the open exceptions gives both the per-store counts and the
    # dashboard's per-priority snapshot (open, past SLA at the run, SLA due times ahead).
    by_store: dict[str, dict[str, int]] = {}
    by_priority = {p: {"open": 0, "breached": 0, "due": {}} for p in Priority.values}
    for store, kind, due, count in (
        InventoryException.objects.open()
        .values_list("store", "kind", "sla_due_at")
        .annotate(n=Count("*"))
        .order_by()
    ):
        per_store = by_store.setdefault(store or "—", {})
        per_store[kind] = per_store.get(kind, 0) + count
        slot = by_priority[KIND_PRIORITY[kind]]
        slot["open"] += count
        if due is not None and due < run_time:
            slot["breached"] += count
        elif due is not None:
            key = due.isoformat()
            slot["due"][key] = slot["due"].get(key, 0) + count
    run.by_store = by_store
    run.open_by_priority = {
        p: {**slot, "due": [[at, n] for at, n in sorted(slot["due"].items())]}
        for p, slot in by_priority.items()
    }
