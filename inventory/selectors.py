"""Reads for pages, the API and commands: the summary object and dashboard data."""

from datetime import datetime, timedelta

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils.dateparse import parse_datetime

from fleetops.models import AuditEntry, RunStatus
from inventory.feeds.parsing import store_key
from inventory.models import (
    OPEN_STATES,
    InventoryException,
    InventorySettings,
    Priority,
    ReconciliationRun,
    Source,
    SourceRecord,
    StoreAlias,
)

KINDS = ("oem_not_in_cdk", "not_marketed", "ghost_listing", "no_tracking")


def latest_run() -> ReconciliationRun | None:
    return ReconciliationRun.objects.filter(status=RunStatus.SUCCEEDED).order_by("-id").first()


def summary_for_run(run: ReconciliationRun | None) -> dict:
    """The ``reconcile --json`` / ``GET /api/inventory/summary`` object."""
    if run is None:
        return {
            "run_id": None, "vehicles": 0,
            "sources": dict.fromkeys(("cdk", "vauto", "lojack", "oem"), 0),
            "exceptions": dict.fromkeys(KINDS, 0), "aligned": 0, "aligned_pct": 0.0,
            "impact": dict.fromkeys(
                ("oem_at_risk", "not_marketed_value", "floorplan_monthly", "untracked_value"),
                0.0,
            ),
            "matrix": {},
        }  # fmt: skip
    sources = run.sources or {}
    return {
        "run_id": run.pk,
        "vehicles": run.vehicles,
        "sources": {s: int(sources.get(s, 0)) for s in ("cdk", "vauto", "lojack", "oem")},
        "exceptions": {k: getattr(run, k) for k in KINDS},
        "aligned": run.aligned,
        "aligned_pct": run.aligned_pct,
        "impact": {
            "oem_at_risk": float(run.oem_at_risk),
            "not_marketed_value": float(run.not_marketed_value),
            "floorplan_monthly": float(run.floorplan_monthly),
            "untracked_value": float(run.untracked_value),
        },
        "matrix": matrix_ordered(run.matrix or {}),
    }


def matrix_ordered(matrix: dict[str, int]) -> dict[str, int]:
    """The combinations most vehicles first, ties in letter order: as the reconciliation
    writes them, and as PostgreSQL's jsonb does not keep them (it reads keys back
    shortest first)."""
    return dict(sorted(matrix.items(), key=lambda combo: (-combo[1], combo[0])))


def open_and_breached_by_priority(now) -> dict[str, tuple[int, int]]:
    """(open, past SLA) per priority in one pass over the (state, priority, sla) index.

    ``COUNT(*)``, not ``COUNT(id)``: every column read is in that index, so PostgreSQL
    answers from the index alone (no visit to the rows of a million-row table)."""
    rows = (
        InventoryException.objects.filter(state__in=OPEN_STATES)
        .values_list("priority")
        .annotate(n=Count("*"), late=Count("sla_due_at", filter=Q(sla_due_at__lt=now)))
        .order_by()
    )
    counts = {p: (n, late) for p, n, late in rows}
    return {p: counts.get(p, (0, 0)) for p in Priority.values}


def priority_counts_from_run(run: ReconciliationRun, now) -> dict[str, tuple[int, int]] | None:
    """(open, past SLA at ``now``) per priority from the run's snapshot, or None if it has none.

    The reconciliation stores, per priority, the open exceptions, those already past their
    SLA and the SLA due times still ahead with their counts; past SLA at ``now`` adds the
    due times passed since. Exact as of the run; triage changes made since (resolved,
    reopened) show in the admin lists, not here."""
    snapshot = run.open_by_priority or {}
    if not all(p in snapshot for p in Priority.values):
        return None
    counts = {}
    for p in Priority.values:
        slot = snapshot[p]
        late = slot["breached"] + sum(
            n for due, n in slot["due"] if datetime.fromisoformat(due) < now
        )
        counts[p] = (slot["open"], late)
    return counts


# The audit actions of the triage steps (services/exceptions.py), by the step. Only
# triage changes an exception's state between two reconciliations.
TRIAGE_ACTIONS = {
    f"inventory_exception.{step}": step
    for step in ("acknowledge", "assign", "snooze", "resolve", "reopen")
}
TRIAGED_BATCH = 5_000
# Past this many triage steps since the run (a bulk action over thousands), the page keeps
# the run's figures as they were and says so, rather than read them all on every load.
TRIAGED_LIMIT = 2_000


def triaged_since(run: ReconciliationRun) -> list[dict] | None:
    """The exceptions triage changed since ``run`` finished, each as it was at the run and
    as it is now: ``{"kind", "priority", "store", "then": (open, sla_due_at), "now": ...}``.

    Found by their audit entries since the run (the ``created_at`` index: a few rows, or
    as many as a bulk action changed). Whether one was open at the run is what its first
    step since says (a reopen applies only to a closed exception, every other step to an
    open one); its SLA due time then is today's, unless a hand reopen since replaced it:
    then its opened_at before that reopen (kept in the reopen's audit entry) plus the SLA
    days. A step taken while the run was still writing its figures may be missed.

    None when there are more than ``TRIAGED_LIMIT`` steps."""
    if run.finished_at is None:
        return []
    first: dict[int, str] = {}
    reopened_from: dict[int, str] = {}
    entries = list(
        AuditEntry.objects.filter(
            created_at__gte=run.finished_at,
            object_type="inventory.inventoryexception",
            action__in=list(TRIAGE_ACTIONS),
        )
        .order_by("created_at", "pk")
        .values_list("object_id", "action", "data")[: TRIAGED_LIMIT + 1]
    )
    if len(entries) > TRIAGED_LIMIT:
        return None
    for object_id, action, data in entries:
        pk = int(object_id)
        first.setdefault(pk, TRIAGE_ACTIONS[action])
        if TRIAGE_ACTIONS[action] == "reopen":
            reopened_from.setdefault(pk, (data or {}).get("opened_at", ""))
    if not first:
        return []
    settings = InventorySettings.load() if reopened_from else None
    pks, found = list(first), []
    for i in range(0, len(pks), TRIAGED_BATCH):
        rows = InventoryException.objects.filter(pk__in=pks[i : i + TRIAGED_BATCH])
        for pk, kind, priority, store, state, due in rows.values_list(
            "pk", "kind", "priority", "store", "state", "sla_due_at"
        ):
            was_open = first[pk] != "reopen"
            due_then = due
            if was_open and reopened_from.get(pk):
                opened = parse_datetime(reopened_from[pk])
                due_then = opened + timedelta(days=settings.sla_days(priority))
            found.append({
                "kind": kind, "priority": priority, "store": store,
                "then": (was_open, due_then), "now": (state in OPEN_STATES, due),
            })  # fmt: skip
    return found


def open_counts_now(
    run: ReconciliationRun, by_priority: dict[str, tuple[int, int]], now
) -> tuple[dict[str, tuple[int, int]], dict[str, dict[str, int]], bool]:
    """The run's open exceptions, (open, past SLA at ``now``) per priority
    (``by_priority``, from :func:`priority_counts_from_run`) and per store and kind
    (``run.by_store``), brought up to now with the triage done since the run
    (:func:`triaged_since`): what the open lists they link to count, with no count over
    every open row (the exceptions changed since are read, a handful a day). The third
    value says whether the triage since is in: not past ``TRIAGED_LIMIT`` steps."""
    counts = {p: list(n) for p, n in by_priority.items()}
    by_store = {store: dict(kinds) for store, kinds in (run.by_store or {}).items()}
    triaged = triaged_since(run)
    if triaged is None:
        return by_priority, by_store, False
    for e in triaged:
        (open_then, due_then), (open_now, due_now) = e["then"], e["now"]
        if open_then == open_now and due_then == due_now:
            continue
        late_then = open_then and due_then is not None and due_then < now
        late_now = open_now and due_now is not None and due_now < now
        counts[e["priority"]][0] += open_now - open_then
        counts[e["priority"]][1] += late_now - late_then
        kinds = by_store.setdefault(e["store"] or "—", {})
        kinds[e["kind"]] = kinds.get(e["kind"], 0) + open_now - open_then
    return {p: tuple(n) for p, n in counts.items()}, by_store, True


def known_stores(limit: int = 200) -> list[str]:
    """Store names for filters: from the latest run (cheap), else from the vehicles."""
    run = latest_run()
    if run and run.by_store:
        return sorted(s for s in run.by_store if s != "—")[:limit]
    from inventory.models import Vehicle

    return list(
        Vehicle.objects.exclude(store="").order_by("store").values_list("store", flat=True)
        .distinct()[:limit]
    )  # fmt: skip


def oldest_open_criticals(limit: int = 10):
    """The open criticals longest open, with what their rows show (``age_days`` reads
    ``closed_at``, ``sla_breached`` the state and due time): one query."""
    shown = ("vin", "store", "stock_number", "opened_at", "closed_at", "sla_due_at", "amount",
             "state")  # fmt: skip
    return (
        InventoryException.objects.filter(state__in=OPEN_STATES, priority=Priority.CRITICAL)
        .only("id", *shown)
        .order_by("opened_at", "id")[:limit]
    )


def trend(limit: int = 30) -> list[ReconciliationRun]:
    runs = ReconciliationRun.objects.filter(status=RunStatus.SUCCEEDED).order_by("-id")[:limit]
    return list(reversed(runs.defer("by_store")))


def store_aliases(source: str) -> dict[str, str]:
    """The store aliases a file of ``source`` is read with, in one query: each name (as
    ``store_key`` compares it) -> the store it means, an alias for ``source`` winning
    over one for every source. What the parsers take (``feed_open(..., stores=...)``).
    """
    rows = (
        StoreAlias.objects.filter(source__in=("", source))
        .order_by("source", "pk")  # "" (every source) first: the source's own override
        .values_list("name", "store")
    )
    return {store_key(name): store for name, store in rows}


# The grouped scan of every source row takes ~0.3 s at a million vehicles; the names only
# change with an import, so the alias list reads them at most once every few minutes.
STORE_NAMES_CACHE_KEY = "inventory:store-names-in-use"
STORE_NAMES_CACHE_SECONDS = 300


def store_names_in_use() -> list[tuple]:
    """``(store, rows of each source...)`` for every store name of the current source rows
    (sources in ``Source.values`` order): one grouped query."""
    counts = {s: Count("id", filter=Q(source=s)) for s in Source.values}
    return list(
        SourceRecord.objects.exclude(store="")
        .values("store")
        .annotate(**counts)
        .values_list("store", *counts)
        .order_by()
    )


def _cdk_spellings(names: list[tuple[str, int]]) -> dict[str, str]:
    """Each store of ``(name, CDK rows)``, keyed as names compare (``store_key``), in the
    spelling most of its CDK rows carry (a tie: the first in sort order). One row sent as
    ``MIDWAY HONDA`` does not rename the store six rows call ``Midway Honda``."""
    found: dict[str, str] = {}
    for store, _rows in sorted(names, key=lambda name: (-name[1], name[0])):
        found.setdefault(store_key(store), store)
    return found


def _cdk_names_cached() -> list[tuple[str, int]]:
    """``(name, CDK rows)`` of the cached store names in use (see :func:`store_spellings`)."""
    index = 1 + Source.values.index(Source.CDK)
    names = cache.get_or_set(STORE_NAMES_CACHE_KEY, store_names_in_use, STORE_NAMES_CACHE_SECONDS)
    return [(name[0], name[index]) for name in names if name[index]]


def store_spellings(*, fresh: bool = False) -> dict[str, str]:
    """The stores FleetOps knows, each in its known spelling, keyed as names compare
    (``store_key``): the stores the current CDK snapshot names, in the spelling most of
    their rows carry (:func:`_cdk_spellings`), then those the store aliases name (the
    first spelling in sort order).

    The CDK names come from the cached store names in use (a few minutes old at most: the
    upload form's suggestions), or with ``fresh`` from the CDK rows now (one read of them,
    for an import: the cache is each process's own, and a name CDK has just sent counts).
    """
    if fresh:
        cdk = list(
            SourceRecord.objects.filter(source=Source.CDK).exclude(store="")
            .values("store").annotate(rows=Count("id")).values_list("store", "rows")
            .order_by()
        )  # fmt: skip
    else:
        cdk = _cdk_names_cached()
    found = _cdk_spellings(cdk)
    aliased = StoreAlias.objects.order_by().values_list("store", flat=True).distinct()
    for store in sorted(aliased):
        found.setdefault(store_key(store), store)
    return found


def store_canonical(store: str, *, source: str = "", fresh: bool = False) -> str:
    """``store`` in the spelling FleetOps knows the store by (``midway  honda`` is
    ``Midway Honda``, see :func:`store_spellings`), or as given for a store it does not know.
    With ``source``, a name its files give a store (a store alias: the OEM's dealer code
    ``C55555``) is that store."""
    if not store:
        return store
    if source:
        store = store_aliases(source).get(store_key(store), store)
    return store_spellings(fresh=fresh).get(store_key(store), store)


def unmapped_store_names(limit: int = 100) -> list[dict]:
    """The store names the current source rows carry that no CDK row names and no alias
    maps, with their rows per source: what staff may need to map (an OEM dealer code...).

    The store names in use (:func:`store_names_in_use`, cached) and the aliases (a small
    table, read afresh: an alias just added drops its name at once). A name CDK spells
    differently (compared as the parser does) says how CDK spells it. Most rows first, at
    most ``limit`` names.
    """
    cdk_spelling = _cdk_spellings(_cdk_names_cached())
    seen: list[tuple[str, dict[str, int]]] = []
    for store, *per_source in cache.get_or_set(
        STORE_NAMES_CACHE_KEY, store_names_in_use, STORE_NAMES_CACHE_SECONDS
    ):
        by_source = dict(zip(Source.values, per_source, strict=True))
        if not by_source["cdk"]:
            seen.append((store, by_source))
    aliases: dict[str, set[str]] = {}  # store_key(name) -> the sources it is mapped for
    for name, source in StoreAlias.objects.values_list("name", "source"):
        aliases.setdefault(store_key(name), set()).add(source)
    labels = dict(Source.choices)
    found = []
    for store, by_source in seen:
        mapped = aliases.get(store_key(store), set())
        if "" in mapped:
            continue
        unmapped = {s: n for s, n in by_source.items() if n and s not in mapped}
        if not unmapped:
            continue
        found.append({
            "name": store,
            "sources": [(s, labels[s], n) for s, n in unmapped.items()],
            "rows": sum(unmapped.values()),
            "cdk_spelling": cdk_spelling.get(store_key(store), ""),
        })  # fmt: skip
    found.sort(key=lambda entry: (-entry["rows"], entry["name"]))
    return found[:limit]
