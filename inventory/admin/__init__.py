"""Inventory admin: triage of exceptions, vehicles with their sources, feeds, uploads."""

from inventory.admin import exceptions, feeds, vehicles  # noqa: F401
