"""Health scores (selectors): how far FleetOps' own data can be trusted right now.

Each score is 0-100, the weighted sum of components. Every component carries its
inputs, the window it covers and a one-line definition, so the dashboard, the API
and ``manage.py monitor`` can show *why* a score is what it is.

A component with no data in its window scores 0: no evidence is not health.

Invoices (window: the last ``window_days`` days, default 7, runs by ``started_at``):

- **success rate** (40 %): ingest runs that ended ``succeeded`` / all finished ingest
  runs (succeeded, failed, rejected) started in the window; score = rate x 100.
- **data quality** (30 %): raw invoices processed in the window (``processed_at``) that
  carry no ``InvoiceIssue`` / all raw invoices processed in the window; score = share x 100.
- **freshness** (20 %): hours since the last succeeded ingest run finished; 100 up to
  24 h, falling linearly to 0 at 48 h (the "no ingestion" alert), 0 when there is none.
- **error rate** (10 %): invoices failed / invoices attempted (processed + failed),
  summed over the finished ingest runs of the window; score = (1 - rate) x 100.

Inventory:

- **feeds today** (40 %): sources (CDK, vAuto, LoJack, OEM) with at least one
  succeeded feed import started today, America/Chicago calendar day; score = share x 100.
- **reconciliation** (30 %): 100 when the last succeeded reconciliation finished within
  the last 26 hours, else 0.
- **invalid rows** (30 %): invalid rows / rows read, summed over the finished feed
  imports started in the window; score = (1 - rate) x 100.
"""

from dataclasses import asdict, dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.db.models import Count, Exists, Max, OuterRef, Q, Sum
from django.utils import timezone

from fleetops.models import RunStatus
from inventory.models import FeedImport, ReconciliationRun, Source
from invoices.models import IngestRun, InvoiceIssue, RawInvoice

DEFAULT_WINDOW_DAYS = 7
MAX_WINDOW_DAYS = 90  # the longest window the API, the page and the command accept
FRESH_HOURS = 24
STALE_HOURS = 48
RECONCILE_MAX_HOURS = 26


@dataclass
class Component:
    key: str
    label: str
    weight: int
    score: float
    value: str
    definition: str
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def points(self) -> float:
        """What this component adds to the score."""
        return round(self.score * self.weight / 100, 1)


@dataclass
class Health:
    domain: str
    score: float
    window_days: int
    window_start: datetime
    window_end: datetime
    components: list[Component]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: ``{"score", "window": {...}, "components": {key: {...}}}``."""
        return {
            "score": self.score,
            "window": {
                "days": self.window_days,
                "start": self.window_start.isoformat(),
                "end": self.window_end.isoformat(),
            },
            "components": {
                c.key: {**asdict(c), "points": c.points, "inputs": _jsonable(c.inputs)}
                for c in self.components
            },
        }


def _jsonable(inputs: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in inputs.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, dict):
            value = _jsonable(value)
        out[key] = value
    return out


def _pct(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else 0.0


def _total(components: list[Component]) -> float:
    return round(sum(c.score * c.weight for c in components) / 100, 1)


def last_succeeded(model, now: datetime) -> datetime | None:
    return (
        model.objects.filter(status=RunStatus.SUCCEEDED, finished_at__lte=now)
        .order_by("-finished_at")
        .values_list("finished_at", flat=True)
        .first()
    )


def freshness_score(hours: float | None) -> float:
    """100 up to FRESH_HOURS, linear to 0 at STALE_HOURS, 0 with no run at all."""
    if hours is None or hours >= STALE_HOURS:
        return 0.0
    if hours <= FRESH_HOURS:
        return 100.0
    return 100.0 * (STALE_HOURS - hours) / (STALE_HOURS - FRESH_HOURS)


def has_issue() -> Exists:
    """True for a raw invoice that carries at least one data-quality issue."""
    return Exists(InvoiceIssue.objects.filter(raw_invoice=OuterRef("pk")))


def invoice_health(
    *, now: datetime | None = None, window_days: int = DEFAULT_WINDOW_DAYS
) -> Health:
    now = now or timezone.now()
    start = now - timedelta(days=window_days)
    runs = IngestRun.objects.filter(started_at__gte=start, started_at__lte=now).exclude(
        status=RunStatus.RUNNING
    )
    agg = runs.aggregate(
        finished=Count("id"),
        succeeded=Count("id", filter=Q(status=RunStatus.SUCCEEDED)),
        processed=Sum("processed"),
        failed=Sum("failed"),
    )
    processed, failed = agg["processed"] or 0, agg["failed"] or 0
    attempted = processed + failed

    invoices = RawInvoice.objects.filter(
        status=RawInvoice.Status.PROCESSED, processed_at__gte=start, processed_at__lte=now
    )
    quality = invoices.aggregate(
        total=Count("id"),
        with_issues=Count("id", filter=Q(has_issue())),
    )
    clean = quality["total"] - quality["with_issues"]

    last = last_succeeded(IngestRun, now)
    hours = round((now - last).total_seconds() / 3600, 2) if last else None

    success = _pct(agg["succeeded"], agg["finished"])
    dq = _pct(clean, quality["total"])
    error_rate = _pct(failed, attempted)
    components = [
        Component(
            "success_rate",
            "Processing success rate",
            40,
            round(success, 1),
            f"{agg['succeeded']:,} of {agg['finished']:,} runs succeeded",
            "Ingest runs that ended succeeded / finished ingest runs started in the window.",
            {"runs_finished": agg["finished"], "runs_succeeded": agg["succeeded"]},
        ),
        Component(
            "data_quality",
            "Data quality",
            30,
            round(dq, 1),
            f"{clean:,} of {quality['total']:,} processed invoices have no issue",
            "Invoices processed in the window with no data-quality issue / invoices processed.",
            {
                "invoices_processed": quality["total"],
                "invoices_with_issues": quality["with_issues"],
            },
        ),
        Component(
            "freshness",
            "Recent activity (freshness)",
            20,
            round(freshness_score(hours), 1),
            f"last successful ingest {hours:.1f} h ago" if last else "no successful ingest yet",
            f"100 up to {FRESH_HOURS} h since the last successful ingest, "
            f"falling linearly to 0 at {STALE_HOURS} h.",
            {"last_success_at": last, "hours_since": hours},
        ),
        Component(
            "error_rate",
            "Error rate",
            10,
            round(100.0 - error_rate, 1) if attempted else 0.0,
            f"{failed:,} of {attempted:,} invoices failed ({error_rate:.1f}%)",
            "100 x (1 - failed / (processed + failed)), over the window's finished runs.",
            {"invoices_failed": failed, "invoices_attempted": attempted},
        ),
    ]
    return Health("invoices", _total(components), window_days, start, now, components)


def local_day_start(now: datetime) -> datetime:
    """Midnight of ``now``'s calendar day in the project time zone (America/Chicago)."""
    return timezone.make_aware(datetime.combine(timezone.localdate(now), time.min))


def feeds_arrived_today(now: datetime) -> dict[str, datetime | None]:
    """Per source: when today's last succeeded import finished (None when none arrived)."""
    arrived = dict(
        FeedImport.objects.filter(
            status=RunStatus.SUCCEEDED, started_at__gte=local_day_start(now), started_at__lte=now
        )
        .values("source")
        .annotate(last=Max("finished_at"))
        .values_list("source", "last")
    )
    return {source: arrived.get(source) for source in Source.values}


def inventory_health(
    *, now: datetime | None = None, window_days: int = DEFAULT_WINDOW_DAYS
) -> Health:
    now = now or timezone.now()
    start = now - timedelta(days=window_days)

    feeds = feeds_arrived_today(now)
    arrived = sum(1 for v in feeds.values() if v is not None)

    last = last_succeeded(ReconciliationRun, now)
    hours = round((now - last).total_seconds() / 3600, 2) if last else None
    reconciled = hours is not None and hours <= RECONCILE_MAX_HOURS

    rows = (
        FeedImport.objects.filter(started_at__gte=start, started_at__lte=now)
        .exclude(status=RunStatus.RUNNING)
        .aggregate(rows=Sum("rows_read"), invalid=Sum("invalid_rows"), imports=Count("id"))
    )
    rows_read, invalid = rows["rows"] or 0, rows["invalid"] or 0
    invalid_rate = _pct(invalid, rows_read)

    components = [
        Component(
            "feeds_today",
            "Feeds arrived today",
            40,
            round(_pct(arrived, len(feeds)), 1),
            f"{arrived} of {len(feeds)} sources imported today",
            "Sources with a succeeded feed import started today (America/Chicago) / all sources.",
            {"day": timezone.localdate(now).isoformat(), "sources": feeds},
        ),
        Component(
            "reconciliation",
            "Reconciliation ran",
            30,
            100.0 if reconciled else 0.0,
            f"last successful reconciliation {hours:.1f} h ago" if last else "never reconciled",
            f"100 when the last successful reconciliation finished within "
            f"{RECONCILE_MAX_HOURS} h, else 0.",
            {"last_success_at": last, "hours_since": hours},
        ),
        Component(
            "invalid_rows",
            "Invalid-row rate",
            30,
            round(100.0 - invalid_rate, 1) if rows_read else 0.0,
            f"{invalid:,} of {rows_read:,} rows invalid ({invalid_rate:.2f}%)",
            "100 x (1 - invalid rows / rows read), over the window's finished feed imports.",
            {"rows_read": rows_read, "invalid_rows": invalid, "imports": rows["imports"]},
        ),
    ]
    return Health("inventory", _total(components), window_days, start, now, components)


def health_all(*, now: datetime | None = None, window_days: int = DEFAULT_WINDOW_DAYS) -> dict:
    now = now or timezone.now()
    return {
        "invoices": invoice_health(now=now, window_days=window_days),
        "inventory": inventory_health(now=now, window_days=window_days),
    }
