"""django-q2 tasks of the project package."""

from fleetops.retention import retention_prune


def retention_prune_task() -> dict[str, int]:
    """The daily retention schedule: prune old, unreferenced rows (see fleetops.retention)."""
    return retention_prune(actor=None)
