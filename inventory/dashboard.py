"""The dashboard's data in one dict: used by the page, and by the JSON export as is."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from inventory.admin.filters import (
    MissingInFilter,
    OpenStateFilter,
    SlaBreachedFilter,
    SourcesHeldFilter,
    StoreFilter,
)
from inventory.models import Priority
from inventory.selectors import (
    latest_run,
    oldest_open_criticals,
    open_and_breached_by_priority,
    priority_counts_from_run,
    summary_for_run,
    trend,
)

EXC_LIST = "admin:inventory_inventoryexception_changelist"
VEH_LIST = "admin:inventory_vehicle_changelist"
# Drill-through links pass exactly the parameters of the lists' own filters, so the
# sidebar shows the choice made and "Clear all filters" clears it: the field filters of
# ``kind`` and ``priority`` read ``<field>__exact``, the list filters their
# ``parameter_name``.
EXC_PARAMS = {
    "state": OpenStateFilter.parameter_name,
    "kind": "kind__exact",
    "priority": "priority__exact",
    "sla": SlaBreachedFilter.parameter_name,
    "store": StoreFilter.parameter_name,
}
VEH_PARAMS = {
    "presence": MissingInFilter.parameter_name,
    "combo": SourcesHeldFilter.parameter_name,
}


def exceptions_url(*, state: str = OpenStateFilter.DEFAULT, **filters: str) -> str:
    """The exceptions list filtered by ``state``, ``kind``, ``priority``, ``sla`` and
    ``store`` (``—``: no store), as its sidebar would filter it."""
    params = {EXC_PARAMS[k]: v for k, v in {"state": state, **filters}.items() if v}
    return f"{reverse(EXC_LIST)}?{urlencode(params)}"


def vehicles_url(**filters: str) -> str:
    """The vehicle list filtered by ``presence`` (a presence filter choice) or ``combo``
    (exactly these sources), as its sidebar would filter it."""
    params = {VEH_PARAMS[k]: v for k, v in filters.items() if v}
    return f"{reverse(VEH_LIST)}{'?' + urlencode(params) if params else ''}"


def dashboard_data() -> dict:
    """Everything the dashboard shows, each number with the admin list it counts."""
    now = timezone.now()
    run = latest_run()
    summary = summary_for_run(run)
    # Per-priority counts: the last run's snapshot (a live COUNT walks every open row:
    # ~400k at a million vehicles); live only when no run has stored one.
    counts = priority_counts_from_run(run, now) if run else None
    counts_as_of_run = counts is not None
    if counts is None:
        counts = open_and_breached_by_priority(now)
    runs = trend()
    return {
        "generated_at": now.isoformat(),
        "summary": summary,
        "finished_at": run.finished_at.isoformat() if run and run.finished_at else None,
        "pending_oem": run.pending_oem if run else 0,
        "priority_counts_as_of_run": run.pk if counts_as_of_run else None,
        "links": {
            # the vehicles in at least one source: what "Vehicles tracked" counts (the list
            # unfiltered also shows those gone from every source)
            "vehicles": vehicles_url(presence="tracked"),
            "aligned": vehicles_url(presence="aligned"),
            "sources": {s: vehicles_url(presence=f"in_{s}") for s in summary["sources"]},
            "exceptions": {k: exceptions_url(kind=k) for k in summary["exceptions"]},
            "impact": {
                "oem_at_risk": exceptions_url(kind="oem_not_in_cdk"),
                "not_marketed_value": exceptions_url(kind="not_marketed"),
                "floorplan_monthly": exceptions_url(kind="not_marketed"),
                "untracked_value": exceptions_url(kind="no_tracking"),
            },
            "matrix": {combo: vehicles_url(combo=combo) for combo in summary["matrix"]},
        },
        "open_by_priority": [
            {
                "priority": p,
                "open": counts[p][0],
                "breached": counts[p][1],
                "url": exceptions_url(priority=p),
                "breached_url": exceptions_url(priority=p, sla="breached"),
                "within_url": exceptions_url(priority=p, sla="ok"),
            }
            for p in Priority.values
        ],  # fmt: skip
        "trend": [
            {
                "run_id": r.pk,
                "finished_at": r.finished_at.isoformat() if r.finished_at else None,
                "vehicles": r.vehicles,
                "aligned_pct": r.aligned_pct,
                "oem_not_in_cdk": r.oem_not_in_cdk,
                "not_marketed": r.not_marketed,
                "ghost_listing": r.ghost_listing,
                "no_tracking": r.no_tracking,
            }
            for r in runs
        ],  # fmt: skip
        "by_store": [
            {
                "store": store,
                "counts": counts,
                "total": sum(counts.values()),
                "url": exceptions_url(store=store),  # "—": the exceptions with no store
            }
            for store, counts in sorted((run.by_store if run else {}).items())
        ],  # fmt: skip
        "oldest_criticals": [
            {
                "id": e.pk,
                "vin": e.vin,
                "store": e.store,
                "stock_number": e.stock_number,
                "opened_at": e.opened_at.isoformat(),
                "age_days": e.age_days,
                "sla_breached": e.sla_breached,
                "amount": float(e.amount),
                "url": reverse("admin:inventory_inventoryexception_change", args=[e.pk]),
            }
            for e in oldest_open_criticals()
        ],  # fmt: skip
    }
