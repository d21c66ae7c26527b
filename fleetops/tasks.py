"""django-q2 tasks of the project package."""

from fleetops.retention import retention_prune


def retention_prune_task() -> dict[str, int]:
    """The daily retention schedule: prune old, unreferenced rows (see fleetops.retention)."""
    return retention_prune(actor=None)


def runs_reap_stale_task() -> int:
    """Every 5 minutes: runs left "running" by a dead worker are marked failed (fleetops.runs)."""
    from fleetops.runs import runs_reap_stale

    return runs_reap_stale()
