"""Reads for the monitoring pages, API and CLI: recent runs, issues by type, metric series."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.db.models import Avg, Count, JSONField, Sum
from django.db.models.functions import TruncDate
from django.template.defaultfilters import pluralize
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from fleetops.models import RunStatus
from inventory.models import FeedImport, FeedIssue, InventoryException, ReconciliationRun
from invoices.choices import IssueKind
from invoices.models import IngestRun, InvoiceIssue, RawInvoice
from monitoring.alerts import RULE_FAILED
from monitoring.models import Alert, AlertRule, Metric, RuleKind
from sales.models import LoadRun

# The run models monitoring reads, by the metric source each reports, and what one run of
# each is called on the pages.
RUN_MODELS = {
    "invoices.ingest": IngestRun,
    "inventory.feed": FeedImport,
    "inventory.reconcile": ReconciliationRun,
    "sales.load": LoadRun,
}
RUN_LABELS = {
    "invoices.ingest": "Invoice ingest",
    "inventory.feed": "Feed import",
    "inventory.reconcile": "Reconciliation",
    "sales.load": "Sales data load",
}
# JSON fields the runs' summaries read (the others are left in the database)
_SUMMARY_JSON = {"sales.load": ("rows",)}


def admin_url(model, view: str = "changelist", *args, query: str = "") -> str | None:
    """The admin URL of ``model``'s ``view``, or None while that admin is not registered."""
    meta = model._meta
    try:
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)
    except NoReverseMatch:
        return None
    return f"{url}?{query}" if query else url


def named_url(name: str) -> str | None:
    """``reverse(name)``, or None when no such URL is installed."""
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


@dataclass
class RunRow:
    source: str
    id: int
    status: str
    started_at: datetime
    finished_at: datetime | None
    duration_seconds: float | None
    summary: str
    error: str
    admin_url: str | None
    feed: str = ""

    @property
    def label(self) -> str:
        """What the pages call the run: "Feed import #12"."""
        return f"{RUN_LABELS.get(self.source, self.source)} #{self.id}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "feed": self.feed,
            "id": self.id,
            "status": self.status,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "duration_seconds": self.duration_seconds,
            "summary": self.summary,
            "error": self.error[:200],
        }


def _summary(source: str, run) -> str:
    if source == "invoices.ingest":
        return (
            f"{run.processed:,} processed, {run.failed:,} failed, {run.skipped:,} unchanged, "
            f"{run.line_items_created:,} line items"
        )
    if source == "inventory.feed":
        store = f" ({run.store})" if run.store else ""
        return (
            f"{run.get_source_display()}{store}: {run.rows_read:,} rows, {run.vehicles:,} "
            f"vehicles, {run.invalid_rows:,} invalid, {run.duplicates:,} duplicates"
        )
    if source == "sales.load":
        excluded = run.excluded_orders
        return (
            f"{run.rows_total:,} rows in {len(run.rows)} tables, {excluded:,} "
            f"order{pluralize(excluded)} without an order date"
        )
    return (
        f"{run.vehicles:,} vehicles, {run.aligned:,} aligned, {run.oem_not_in_cdk:,} OEM not "
        f"in CDK, {run.not_marketed:,} not marketed, {run.ghost_listing:,} ghost, "
        f"{run.no_tracking:,} untracked"
    )


def recent_runs(*, limit: int = 15) -> list[RunRow]:
    """The latest ``limit`` runs of every kind together, newest first (one query per
    kind, of at most ``limit`` rows)."""
    rows = []
    for source, model in RUN_MODELS.items():
        read = _SUMMARY_JSON.get(source, ())
        big = [
            f.name
            for f in model._meta.concrete_fields
            if isinstance(f, JSONField) and f.name not in read
        ]
        for run in model.objects.defer(*big).order_by("-started_at", "-id")[:limit]:
            rows.append(_row(source, run))
    rows.sort(key=lambda r: r.started_at, reverse=True)
    return rows[:limit]


def last_runs(*, finished: bool = False) -> list[RunRow]:
    """The last run of each kind (feeds: of each source); with ``finished``, the last one
    that has ended (a run still running is skipped)."""
    rows = []
    for source, model in RUN_MODELS.items():
        runs = model.objects.order_by("-started_at", "-id")
        if finished:
            runs = runs.exclude(status=RunStatus.RUNNING)
        if model is FeedImport:
            for feed_source in FeedImport._meta.get_field("source").choices:
                run = runs.filter(source=feed_source[0]).first()
                if run:
                    rows.append(_row(source, run))
        else:
            run = runs.first()
            if run:
                rows.append(_row(source, run))
    return rows


def _row(source, run) -> RunRow:
    return RunRow(
        source=source,
        id=run.pk,
        status=run.status,
        started_at=run.started_at,
        finished_at=run.finished_at,
        duration_seconds=run.duration_seconds,
        summary=_summary(source, run),
        error=run.error,
        admin_url=admin_url(type(run), "change", run.pk),
        feed=getattr(run, "source", "") if source == "inventory.feed" else "",
    )


@dataclass
class IssueCount:
    domain: str
    kind: str
    count: int
    admin_url: str | None


def _issue_counts(domain: str, issues, field: str, *, labels: dict, lookup: str, days: int):
    """``issues`` (of the last ``days`` days) counted by ``field``, each value named by its
    label and linked to the admin list filtered on it (``lookup``) and on those days
    (``RecentDaysFilter``)."""
    return [
        IssueCount(
            domain,
            str(labels.get(r[field], r[field])),
            r["n"],
            admin_url(issues.model, query=urlencode({lookup: r[field], "days": days})),
        )
        for r in issues.values(field).annotate(n=Count("id"))
    ]


def data_quality_issues(*, now: datetime | None = None, days: int = 7) -> list[IssueCount]:
    """Data-quality issues by type over the last ``days`` days, most frequent first, each
    named by its label and linking to the admin list of that type.

    Invoices: ``InvoiceIssue`` by kind. Feeds: ``FeedIssue`` by reason (invalid and
    duplicate rows included).
    """
    now = now or timezone.now()
    since = now - timedelta(days=days)
    rows = _issue_counts(
        "invoices", InvoiceIssue.objects.filter(created_at__gte=since), "kind",
        labels=dict(IssueKind.choices), lookup="kind__exact", days=days,
    ) + _issue_counts(
        "feeds", FeedIssue.objects.filter(feed_import__started_at__gte=since), "reason",
        labels=dict(FeedIssue._meta.get_field("reason").choices), lookup="reason__exact",
        days=days,
    )  # fmt: skip
    rows.sort(key=lambda r: r.count, reverse=True)
    return rows


# Metrics that add up over a day (counts, money); every other metric is a daily mean.
DAILY_SUM = {
    "invoices.ingest": {
        "fetched", "processed", "failed", "skipped", "line_items_created", "total_value",
    },
    "inventory.feed": {"rows_read", "vehicles", "invalid_rows", "duplicates"},
}  # fmt: skip


def daily_mode(source: str, name: str) -> str:
    return "sum" if name in DAILY_SUM.get(source, ()) else "mean"


def metric_series(*, days: int = 30, now: datetime | None = None) -> dict[str, dict[str, list]]:
    """``{source: {name: [(day, value), ...]}}``, one point per America/Chicago day.

    Aggregated in the database (a day's sum for counts and money, its mean for
    scores, rates, durations and snapshots), so the charts stay small however often
    the runs happen.
    """
    now = now or timezone.now()
    rows = (
        Metric.objects.filter(recorded_at__gte=now - timedelta(days=days), recorded_at__lte=now)
        .annotate(day=TruncDate("recorded_at", tzinfo=timezone.get_current_timezone()))
        .values("source", "name", "day")
        .annotate(total=Sum("value"), mean=Avg("value"))
        .order_by("source", "name", "day")
    )
    series: dict[str, dict[str, list]] = {}
    for r in rows:
        value = r["total"] if daily_mode(r["source"], r["name"]) == "sum" else r["mean"]
        series.setdefault(r["source"], {}).setdefault(r["name"], []).append(
            (r["day"], round(float(value), 4))
        )
    return series


def alert_drill_url(alert: Alert) -> str | None:
    """Where in the admin to look into an alert: the runs or records behind its rule."""
    kind = alert.kind
    if alert.subject == RULE_FAILED:  # the rule's settings, not its records
        return admin_url(AlertRule)
    if kind in (RuleKind.ERROR_RATE, RuleKind.INGEST_STALE, RuleKind.INVOICE_VOLUME_DROP):
        return admin_url(IngestRun)
    if kind == RuleKind.DATA_QUALITY:
        return admin_url(InvoiceIssue)
    if kind == RuleKind.RECORDS_PENDING:
        return admin_url(RawInvoice, query="status__exact=pending")
    if kind == RuleKind.FEED_MISSING:
        return admin_url(FeedImport, query=f"source__exact={alert.subject}")
    if kind == RuleKind.RECONCILE_STALE:
        return admin_url(ReconciliationRun)
    if kind == RuleKind.CRITICAL_EXCEPTIONS_UP:
        return admin_url(InventoryException, query="priority__exact=CRITICAL")
    return None


def active_alerts(*, limit: int = 50) -> list[Alert]:
    """Unresolved alerts, most severe first, each with ``drill_url`` set."""
    alerts = list(Alert.objects.active().by_severity().select_related("acknowledged_by")[:limit])
    for alert in alerts:
        alert.drill_url = alert_drill_url(alert)
    return alerts
