"""Alert rules and their evaluation.

Each rule kind has an evaluator ``(rule, now) -> list[Finding]``: one finding per
subject for which the condition holds right now. ``alerts_evaluate`` opens an alert
for each new finding (``alert_raise``: never a duplicate while it holds) and
resolves the unresolved alerts whose condition has cleared. Thresholds, windows
and severities come from the ``AlertRule`` rows, editable in the admin.

It runs from the django-q2 schedule (every 15 minutes), from ``manage.py monitor`` and
from the demo set-up, each time for every rule; and after every run (``run_finished``)
for the rules that run can change (:data:`RULES_BY_RUN_SOURCE`).
"""

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from django.db import transaction
from django.db.models import Count, Q, QuerySet, Sum
from django.template.defaultfilters import pluralize
from django.utils import timezone

from fleetops.models import RunStatus
from fleetops.text import counted
from inventory.models import FeedImport, ReconciliationRun, Source
from invoices.models import IngestRun, RawInvoice
from monitoring.health import feeds_arrived_today, has_issue, last_succeeded, local_day_start
from monitoring.models import Alert, AlertRule, Metric, RuleKind
from monitoring.rule_defaults import alert_rules_ensure
from monitoring.services import alert_notify, alert_raise, alert_resolve
from sales.models import LoadRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Finding:
    """The rule's condition holds for ``subject`` ("" when the rule has one subject)."""

    message: str
    value: float | None = None
    subject: str = ""


Evaluator = Callable[[AlertRule, datetime], list[Finding]]


def _threshold(rule: AlertRule, default: float) -> float:
    return float(rule.threshold) if rule.threshold is not None else default


def _hours(rule: AlertRule) -> int:
    return rule.window_hours or 24


def _local_days_back(now: datetime, days: int) -> datetime:
    """Midnight of the local calendar day ``days`` before today."""
    today = timezone.localdate(now)
    return timezone.make_aware(datetime.combine(today - timedelta(days=days), datetime.min.time()))


def error_rate(rule: AlertRule, now: datetime) -> list[Finding]:
    limit, hours = _threshold(rule, 5), _hours(rule)
    agg = (
        IngestRun.objects.filter(started_at__gte=now - timedelta(hours=hours), started_at__lte=now)
        .exclude(status=RunStatus.RUNNING)
        .aggregate(processed=Sum("processed"), failed=Sum("failed"))
    )
    failed = agg["failed"] or 0
    attempted = (agg["processed"] or 0) + failed
    rate = 100.0 * failed / attempted if attempted else 0.0
    if attempted and rate > limit:
        return [
            Finding(
                f"Invoice error rate {rate:.1f}% over the last {hours} h "
                f"({failed} of {attempted} failed; limit {limit:g}%)",
                rate,
            )
        ]
    return []


def data_quality(rule: AlertRule, now: datetime) -> list[Finding]:
    limit, hours = _threshold(rule, 90), _hours(rule)
    agg = RawInvoice.objects.filter(
        status=RawInvoice.Status.PROCESSED,
        processed_at__gte=now - timedelta(hours=hours),
        processed_at__lte=now,
    ).aggregate(
        total=Count("id"),
        dirty=Count("id", filter=Q(has_issue())),
    )
    if not agg["total"]:
        return []
    score = 100.0 * (agg["total"] - agg["dirty"]) / agg["total"]
    if score < limit:
        return [
            Finding(
                f"Invoice data quality {score:.1f}% over the last {hours} h "
                f"({agg['dirty']} of {agg['total']} invoices with issues; minimum {limit:g}%)",
                score,
            )
        ]
    return []


def _stale(model, what: str, rule: AlertRule, now: datetime, default: float) -> list[Finding]:
    limit = _threshold(rule, default)
    last = last_succeeded(model, now)
    if last is None:
        return [Finding(f"No successful {what} yet", None)]
    hours = (now - last).total_seconds() / 3600
    if hours > limit:
        # one decimal: 26.4 h past a 26 h limit must not read "26 h (limit 26 h)"
        return [Finding(f"No successful {what} for {hours:.1f} h (limit {limit:g} h)", hours)]
    return []


def ingest_stale(rule: AlertRule, now: datetime) -> list[Finding]:
    return _stale(IngestRun, "invoice ingestion", rule, now, 48)


def reconcile_stale(rule: AlertRule, now: datetime) -> list[Finding]:
    return _stale(ReconciliationRun, "reconciliation", rule, now, 26)


def records_pending(rule: AlertRule, now: datetime) -> list[Finding]:
    limit = _threshold(rule, 24)
    pending = RawInvoice.objects.filter(
        status=RawInvoice.Status.PENDING, received_at__lt=now - timedelta(hours=limit)
    ).count()
    if pending:
        return [
            Finding(f"{counted(pending, 'invoice')} pending for more than {limit:g} h", pending)
        ]
    return []


def feed_missing(rule: AlertRule, now: datetime) -> list[Finding]:
    if timezone.localtime(now).hour < rule.not_before_hour:
        return []
    day = timezone.localdate(now)
    labels = dict(Source.choices)
    return [
        Finding(f"No {labels[source]} feed imported today ({day:%Y-%m-%d})", None, source)
        for source, arrived in feeds_arrived_today(now).items()
        if arrived is None
    ]


def critical_exceptions_up(rule: AlertRule, now: datetime) -> list[Finding]:
    """Latest ``critical_open`` against the mean of the daily (last) values before its day."""
    limit = _threshold(rule, 25)
    series = Metric.objects.filter(
        source="inventory.reconcile", name="critical_open", recorded_at__lte=now
    )
    latest = series.order_by("-recorded_at", "-id").first()
    if latest is None:
        return []
    days = max(1, _hours(rule) // 24)
    day_start = local_day_start(latest.recorded_at)
    since = _local_days_back(latest.recorded_at, days)
    daily: dict = {}
    for recorded_at, value in (
        series.filter(recorded_at__gte=since, recorded_at__lt=day_start)
        .order_by("recorded_at", "id")
        .values_list("recorded_at", "value")
    ):
        daily[timezone.localdate(recorded_at)] = float(value)
    if not daily:
        return []
    average = sum(daily.values()) / len(daily)
    current = float(latest.value)
    if average <= 0:  # none on every day before: any now is a rise no percentage measures
        if current <= 0:
            return []
        message = (f"Critical inventory exceptions at {current:g}, up from none on each of "
                   f"the {len(daily)} days before (limit +{limit:g}%)")  # fmt: skip
        return [Finding(message, None)]
    change = 100.0 * (current - average) / average
    if change > limit:
        # days without a reconciliation have no value: say which days the average covers
        if len(daily) == days:
            basis = f"their {days}-day average of {average:.1f}"
        else:
            basis = (f"their average of {average:.1f} over the {len(daily)} "
                     f"day{pluralize(len(daily))} with a reconciliation in the {days} "
                     f"day{pluralize(days)} before")  # fmt: skip
        return [
            Finding(
                f"Critical inventory exceptions at {current:g}, up {change:.0f}% on "
                f"{basis} (limit +{limit:g}%)",
                change,
            )
        ]
    return []


def invoice_volume_drop(rule: AlertRule, now: datetime) -> list[Finding]:
    """Invoices processed today against the daily average of the previous days."""
    if timezone.localtime(now).hour < rule.not_before_hour:
        return []
    limit = _threshold(rule, 50)
    days = max(1, _hours(rule) // 24)
    today_start = local_day_start(now)
    finished = IngestRun.objects.exclude(status=RunStatus.RUNNING)
    today = (
        finished.filter(started_at__gte=today_start, started_at__lte=now).aggregate(
            n=Sum("processed")
        )["n"]
        or 0
    )
    before = (
        finished.filter(
            started_at__gte=_local_days_back(now, days), started_at__lt=today_start
        ).aggregate(n=Sum("processed"))["n"]
        or 0
    )
    average = before / days
    if average <= 0:
        return []
    share = 100.0 * today / average
    if share < limit:
        return [
            Finding(
                f"{counted(today, 'invoice')} processed today, {share:.0f}% of the "
                f"{days}-day daily average of {average:.1f} (minimum {limit:g}%)",
                share,
            )
        ]
    return []


def _run_kinds() -> list[tuple[str, QuerySet]]:
    """``(subject, runs)`` of each kind of run :func:`run_failed` watches."""
    labels = dict(Source.choices)
    return [
        ("invoice ingest", IngestRun.objects.all()),
        ("reconciliation", ReconciliationRun.objects.all()),
        ("sales load", LoadRun.objects.all()),
        *((f"{labels[s]} feed import", FeedImport.objects.filter(source=s)) for s in labels),
    ]


def run_failed(rule: AlertRule, now: datetime) -> list[Finding]:
    """Each kind of run whose latest run (succeeded or failed, refused ones left out)
    failed, with its error."""
    findings = []
    for subject, runs in _run_kinds():
        last = (
            runs.filter(status__in=(RunStatus.SUCCEEDED, RunStatus.FAILED), started_at__lte=now)
            .order_by("-started_at", "-pk")
            .values("status", "started_at", "finished_at", "error")
            .first()
        )
        if last is None or last["status"] != RunStatus.FAILED:
            continue
        when = timezone.localtime(last["finished_at"] or last["started_at"])
        error = " ".join(last["error"].split())[:200] or "no error recorded"
        findings.append(
            Finding(f"The last {subject} failed ({when:%Y-%m-%d %H:%M}): {error}", None, subject)
        )
    return findings


EVALUATORS: dict[str, Evaluator] = {
    RuleKind.ERROR_RATE: error_rate,
    RuleKind.DATA_QUALITY: data_quality,
    RuleKind.INGEST_STALE: ingest_stale,
    RuleKind.RECORDS_PENDING: records_pending,
    RuleKind.FEED_MISSING: feed_missing,
    RuleKind.RECONCILE_STALE: reconcile_stale,
    RuleKind.CRITICAL_EXCEPTIONS_UP: critical_exceptions_up,
    RuleKind.INVOICE_VOLUME_DROP: invoice_volume_drop,
    RuleKind.RUN_FAILED: run_failed,
}


# The rules whose condition a finished run of each source (``run_finished``'s ``source``)
# can change: only those are evaluated after it. Every rule also changes with the clock
# alone (a feed not in by 10:00, no ingestion for 48 h), which the 15-minute schedule
# catches. A source not listed here has every rule evaluated after its runs.
RULES_BY_RUN_SOURCE: dict[str, frozenset[str]] = {
    "inventory.feed": frozenset({RuleKind.FEED_MISSING, RuleKind.RUN_FAILED}),
    "inventory.reconcile": frozenset(
        {RuleKind.RECONCILE_STALE, RuleKind.CRITICAL_EXCEPTIONS_UP, RuleKind.RUN_FAILED}
    ),
    "invoices.ingest": frozenset(
        {
            RuleKind.ERROR_RATE,
            RuleKind.DATA_QUALITY,
            RuleKind.INGEST_STALE,
            RuleKind.RECORDS_PENDING,
            RuleKind.INVOICE_VOLUME_DROP,
            RuleKind.RUN_FAILED,
        }
    ),
    "sales.load": frozenset({RuleKind.RUN_FAILED}),
}


# Rules judged day by day (America/Chicago): an alert is one day's and closes with it; the
# next day's, if it comes, is an alert of its own (and an e-mail of its own).
DAILY = frozenset({RuleKind.FEED_MISSING, RuleKind.INVOICE_VOLUME_DROP})


def _cleared_note(rule: AlertRule, alert: Alert, now: datetime) -> str:
    """Why an unresolved alert no longer holds. A daily rule's alert whose day has ended
    closes with the day, and its note says so (the next day is checked from the rule's
    hour on) rather than "cleared": unless the missing feed did come that day."""
    if not rule.enabled:
        return "Rule disabled."
    if alert.subject == RULE_FAILED:
        return "The rule was evaluated again."
    if rule.kind in DAILY:
        day_start = local_day_start(alert.opened_at)
        day_end = local_day_start(day_start + timedelta(hours=36))  # DST days: 23 or 25 h
        day = f"{timezone.localdate(alert.opened_at):%Y-%m-%d}"
        if now < day_end:
            return "Condition cleared."
        if rule.kind == RuleKind.INVOICE_VOLUME_DROP:
            return (f"The day ({day}) ended; the next day's volume is judged from "
                    f"{rule.not_before_hour}:00.")  # fmt: skip
        if not FeedImport.objects.filter(
            source=alert.subject, status=RunStatus.SUCCEEDED,
            started_at__gte=day_start, started_at__lt=day_end,
        ).exists():  # fmt: skip
            return (f"The day ({day}) ended without the feed; the next day's is checked "
                    f"from {rule.not_before_hour}:00.")  # fmt: skip
    return "Condition cleared."


# The subject of the alert a rule raises when it cannot be evaluated.
RULE_FAILED = "rule failed"


def _rule_failed(rule: AlertRule, exc: Exception, now: datetime) -> None:
    """Raise (or refresh) the alert saying ``rule`` could not be evaluated."""
    message = (
        f"Rule '{rule}' could not be evaluated ({type(exc).__name__}: {str(exc)[:120]}); its "
        "condition is not checked until it can be: review its settings and the log"
    )
    try:
        alert_raise(
            kind=rule.kind, subject=RULE_FAILED, severity=rule.severity, message=message,
            threshold=rule.threshold, now=now,
        )  # fmt: skip
    except Exception:  # noqa: BLE001 - the database itself may be what failed
        logger.exception("Could not raise the alert for the failed rule %s", rule.kind)


def alerts_evaluate(
    *, now: datetime | None = None, kinds: Collection[str] | None = None
) -> dict[str, int]:
    """Evaluate every rule (or the rules of ``kinds``) once: open new alerts, refresh
    holding ones, resolve cleared ones.

    Returns counts ``{"raised", "holding", "resolved", "errors"}``. A rule that
    crashes is logged and skipped (its alerts are left as they are), and raises an alert
    of its own (subject :data:`RULE_FAILED`, the rule's severity) until it is evaluated
    again: its condition is not being checked, which the banner, the dashboard, /metrics
    and ``manage.py monitor`` must say rather than show all clear.
    """
    now = now or timezone.now()
    counts = {"raised": 0, "holding": 0, "resolved": 0, "errors": 0}
    for rule in alert_rules_ensure():
        evaluator = EVALUATORS.get(rule.kind)
        if evaluator is None or (kinds is not None and rule.kind not in kinds):
            continue
        try:
            with transaction.atomic():  # a failed query must not break the other rules'
                findings = evaluator(rule, now) if rule.enabled else []
        except Exception as exc:  # noqa: BLE001 - one broken rule must not silence the others
            logger.exception("Alert rule %s failed", rule.kind)
            counts["errors"] += 1
            _rule_failed(rule, exc, now)
            continue
        if rule.kind in DAILY:  # an earlier day's alert closes with its day, held or not
            for alert in Alert.objects.active().filter(
                kind=rule.kind, opened_at__lt=local_day_start(now)
            ):
                note = _cleared_note(rule, alert, now)
                counts["resolved"] += alert_resolve(alert=alert, note=note, now=now)
        holding = set()
        for finding in findings:
            _, created = alert_raise(
                kind=rule.kind,
                subject=finding.subject,
                severity=rule.severity,
                message=finding.message,
                value=finding.value,
                threshold=rule.threshold,
                now=now,
            )
            holding.add(finding.subject)
            counts["raised" if created else "holding"] += 1
        cleared = Alert.objects.active().filter(kind=rule.kind).exclude(subject__in=holding)
        for alert in cleared:
            note = _cleared_note(rule, alert, now)
            counts["resolved"] += alert_resolve(alert=alert, note=note, now=now)
    # Retry e-mails that could not be sent before (alert_notify claims each once).
    for pk in Alert.objects.open().filter(notified_at__isnull=True).values_list("pk", flat=True):
        transaction.on_commit(partial(alert_notify, alert_id=pk))
    return counts
