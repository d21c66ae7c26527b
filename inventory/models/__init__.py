"""Inventory models, by sub-domain; import them from here."""

from inventory.models.exceptions import (  # noqa: F401
    KIND_PRIORITY,
    KIND_SHORT_LABELS,
    OPEN_STATES,
    ExceptionKind,
    ExceptionState,
    InventoryException,
    InventoryExceptionQuerySet,
    InventorySettings,
    Priority,
)
from inventory.models.runs import (  # noqa: F401
    DirtyVin,
    FeedImport,
    FeedUpload,
    ReconciliationRun,
    RunLock,
    Source,
)
from inventory.models.stores import StoreAlias  # noqa: F401
from inventory.models.vehicles import (  # noqa: F401
    FeedIssue,
    IssueReason,
    MatchState,
    ProbableMatch,
    SourceRecord,
    Vehicle,
    VinAlias,
)
