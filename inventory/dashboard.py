"""The dashboard's data in one dict: used by the page, and by the JSON export as is."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from inventory.admin.filters import (
    ConditionHoldsFilter,
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
    open_counts_now,
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
    "holds": ConditionHoldsFilter.parameter_name,
}
VEH_PARAMS = {
    "presence": MissingInFilter.parameter_name,
    "combo": SourcesHeldFilter.parameter_name,
}


def exceptions_url(*, state: str = OpenStateFilter.DEFAULT, **filters: str) -> str:
    """The exceptions list filtered by ``state``, ``kind``, ``priority``, ``sla``,
    ``store`` (``—``: no store) and ``holds``, as its sidebar would filter it."""
    params = {EXC_PARAMS[k]: v for k, v in {"state": state, **filters}.items() if v}
    return f"{reverse(EXC_LIST)}?{urlencode(params)}"


def vehicles_url(**filters: str) -> str:
    """The vehicle list filtered by ``presence`` (a presence filter choice) or ``combo``
    (exactly these sources), as its sidebar would filter it."""
    params = {VEH_PARAMS[k]: v for k, v in filters.items() if v}
    return f"{reverse(VEH_LIST)}{'?' + urlencode(params) if params else ''}"


def holding_url(kind: str) -> str:
    """The exceptions of ``kind`` whose condition held at the last reconciliation, in any
    triage state: the vehicles the run's kind count and money figures add up (a resolved
    exception whose condition still holds is counted there, and listed here)."""
    return exceptions_url(kind=kind, state=OpenStateFilter.ALL, holds="yes")


def dashboard_data() -> dict:
    """Everything the dashboard shows, each number with the admin list it counts."""
    now = timezone.now()
    run = latest_run()
    summary = summary_for_run(run)
    # Open counts per priority and per store: the last run's snapshot (a live COUNT walks
    # every open row: ~400k at a million vehicles) with the triage done since, so each
    # equals the open list it links to; live only when no run has stored one.
    counts = priority_counts_from_run(run, now) if run else None
    counts_as_of_run = counts is not None
    triage_in = True
    if counts is None:
        counts = open_and_breached_by_priority(now)
        by_store, triage_in = open_counts_now(run, counts, now)[1:] if run else ({}, True)
    else:
        counts, by_store, triage_in = open_counts_now(run, counts, now)
    runs = trend()
    return {
        "generated_at": now.isoformat(),
        "summary": summary,
        "finished_at": run.finished_at.isoformat() if run and run.finished_at else None,
        "pending_oem": run.pending_oem if run else 0,
        "priority_counts_as_of_run": run.pk if counts_as_of_run else None,
        # False after a bulk triage of thousands: the open figures are the run's as it left them
        "triage_since_counted": triage_in,
        "links": {
            # the vehicles in at least one source: what "Vehicles tracked" counts (the list
            # unfiltered also shows those gone from every source)
            "vehicles": vehicles_url(presence="tracked"),
            "aligned": vehicles_url(presence="aligned"),
            "sources": {s: vehicles_url(presence=f"in_{s}") for s in summary["sources"]},
            # the run's counts and money: the condition holds, whatever the triage state
            "exceptions": {k: holding_url(k) for k in summary["exceptions"]},
            "impact": {
                "oem_at_risk": holding_url("oem_not_in_cdk"),
                "not_marketed_value": holding_url("not_marketed"),
                "floorplan_monthly": holding_url("not_marketed"),
                "untracked_value": holding_url("no_tracking"),
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
            for store, counts in sorted(by_store.items())
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
