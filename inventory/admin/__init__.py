"""Inventory admin: triage of exceptions, vehicles with their sources, feeds, uploads,
store aliases."""

from inventory.admin import exceptions, feeds, issues, matches, stores, vehicles  # noqa: F401
