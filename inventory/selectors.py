"""Reads for pages, the API and commands: the summary object and dashboard data."""

from datetime import datetime

from django.db.models import Count, Q

from fleetops.models import RunStatus
from inventory.models import (
    OPEN_STATES,
    InventoryException,
    Priority,
    ReconciliationRun,
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
        "matrix": dict(run.matrix or {}),
    }


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
    return (
        InventoryException.objects.filter(state__in=OPEN_STATES, priority=Priority.CRITICAL)
        .only("id", "vin", "store", "stock_number", "opened_at", "sla_due_at", "amount", "state")
        .order_by("opened_at", "id")[:limit]
    )


def trend(limit: int = 30) -> list[ReconciliationRun]:
    runs = ReconciliationRun.objects.filter(status=RunStatus.SUCCEEDED).order_by("-id")[:limit]
    return list(reversed(runs.defer("by_store")))
