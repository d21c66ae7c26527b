"""Inventory write paths: every change of state goes through one of these services."""

from inventory.services.exceptions import (
    exception_acknowledge,
    exception_assign,
    exception_reopen,
    exception_resolve,
    exception_snooze,
)
from inventory.services.feeds import feed_import
from inventory.services.matches import match_confirm, match_dismiss
from inventory.services.reconcile import (
    ReconcileBusy,
    reconciliation_queue,
    vehicles_reconcile,
)

__all__ = [
    "ReconcileBusy",
    "exception_acknowledge",
    "exception_assign",
    "exception_reopen",
    "exception_resolve",
    "exception_snooze",
    "feed_import",
    "match_confirm",
    "match_dismiss",
    "reconciliation_queue",
    "vehicles_reconcile",
]
