"""``/metrics``: the latest metrics, health scores and alerts in Prometheus text format.

Protected by an API token (``Authorization: Bearer fo_...``) whose user holds a
monitoring permission: no token or an unknown one gets 401, a valid token whose user
lacks the permission 403. The login middleware skips ``/metrics`` so scrapers get
401, not a redirect to the login page.
"""

import re
from datetime import timedelta
from functools import reduce
from operator import or_

from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, Max, Q
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from fleetops.models import RunStatus
from fleetops.services import api_token_authenticate
from inventory.models import FeedImport
from monitoring.health import health_all
from monitoring.models import Alert, Metric, Severity
from monitoring.selectors import last_runs

MONITORING_PERMS = ("monitoring.view_dashboard", "monitoring.view_metric")
LOOKBACK_DAYS = 30


def _name(*parts: str) -> str:
    return "fleetops_" + re.sub(r"[^a-zA-Z0-9_]", "_", "_".join(parts)).lower()


# Runs whose metrics are labelled by their feed (each source sends its own snapshot: the
# last import of one must not stand for the others')
FEED_SOURCE = "inventory.feed"


def latest_feed_metrics(*, days: int = LOOKBACK_DAYS) -> dict[tuple[str, str], Metric]:
    """``{(feed source, name): metric}`` of each feed's last import with metrics in the
    last ``days`` days (a metric row names its run, whose source says the feed). Two
    queries: the last such import of each source, then their rows."""
    reported = Metric.objects.filter(
        source=FEED_SOURCE, recorded_at__gte=timezone.now() - timedelta(days=days)
    )
    lasts = dict(
        FeedImport.objects.filter(pk__in=reported.values("run_id"))
        .values("source").annotate(last=Max("id")).values_list("last", "source")
    )  # fmt: skip
    return {
        (lasts[metric.run_id], metric.name): metric
        for metric in reported.filter(run_id__in=list(lasts)).order_by("recorded_at", "id")
    }


def latest_metrics(*, days: int = LOOKBACK_DAYS) -> list[Metric]:
    """The last value of every (source, name) recorded in the last ``days`` days, but the
    feed imports' (:func:`latest_feed_metrics`)."""
    recent = Metric.objects.filter(recorded_at__gte=timezone.now() - timedelta(days=days)).exclude(
        source=FEED_SOURCE
    )
    lasts = list(recent.values("source", "name").annotate(last=Max("recorded_at")))
    if not lasts:
        return []
    match = reduce(
        or_, (Q(source=r["source"], name=r["name"], recorded_at=r["last"]) for r in lasts)
    )
    latest: dict[tuple[str, str], Metric] = {}
    for metric in recent.filter(match).order_by("recorded_at", "id"):
        latest[(metric.source, metric.name)] = metric  # the last row wins on a tie
    return list(latest.values())


class FleetOpsCollector:
    """Reads the database at scrape time; nothing is kept in process memory."""

    def collect(self):
        for metric in sorted(latest_metrics(), key=lambda m: (m.source, m.name)):
            gauge = GaugeMetricFamily(
                _name(metric.source, metric.name),
                f"Last {metric.name} reported by a {metric.source} run.",
                value=float(metric.value),
            )
            yield gauge
        by_name: dict[str, GaugeMetricFamily] = {}
        for (feed, name), metric in sorted(latest_feed_metrics().items()):
            if name not in by_name:
                by_name[name] = GaugeMetricFamily(
                    _name(FEED_SOURCE, name),
                    f"Last {name} reported by the feed's last import.", labels=["feed"],
                )  # fmt: skip
            by_name[name].add_metric([feed], float(metric.value))
        yield from by_name.values()

        score = GaugeMetricFamily(
            "fleetops_health_score", "Health score 0-100 by domain.", labels=["domain"]
        )
        component = GaugeMetricFamily(
            "fleetops_health_component_score",
            "Health score component 0-100.",
            labels=["domain", "component"],
        )
        for domain, health in health_all().items():
            score.add_metric([domain], health.score)
            for c in health.components:
                component.add_metric([domain, c.key], c.score)
        yield score
        yield component

        counts = dict(
            Alert.objects.active()
            .values("severity")
            .annotate(n=Count("id"))
            .values_list("severity", "n")
        )
        alerts = GaugeMetricFamily(
            "fleetops_alerts_unresolved", "Open or acknowledged alerts.", labels=["severity"]
        )
        for severity in Severity.values:
            alerts.add_metric([severity], counts.get(severity, 0))
        yield alerts

        success = GaugeMetricFamily(
            "fleetops_last_run_succeeded",
            "1 when the last finished run of this kind succeeded (0: failed or rejected).",
            labels=["source", "feed"],
        )
        duration = GaugeMetricFamily(
            "fleetops_last_run_duration_seconds",
            "Duration of the last finished run of this kind.",
            labels=["source", "feed"],
        )
        started = GaugeMetricFamily(
            "fleetops_last_run_started_timestamp_seconds",
            "Start of the last run of this kind (Unix time).",
            labels=["source", "feed"],
        )
        run_id = GaugeMetricFamily(
            "fleetops_last_run_id", "Id of the last run of this kind.", labels=["source", "feed"]
        )
        for run in last_runs():
            labels = [run.source, run.feed]
            run_id.add_metric(labels, run.id)
            started.add_metric(labels, run.started_at.timestamp())
        # A run in progress has no outcome yet: success and duration are the last finished
        # run's, so a scrape during every run does not read as a failure.
        for run in last_runs(finished=True):
            labels = [run.source, run.feed]
            success.add_metric(labels, 1 if run.status == RunStatus.SUCCEEDED else 0)
            if run.duration_seconds is not None:
                duration.add_metric(labels, run.duration_seconds)
        yield success
        yield duration
        yield started
        yield run_id


def _token_user(request):
    """The user of the request's bearer token; None without a header or for a bad token."""
    header = request.headers.get("Authorization", "")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return None
    token = api_token_authenticate(key.strip())
    return token.user if token is not None else None


@login_not_required
@never_cache
@require_GET
def metrics(request):
    user = _token_user(request)
    if user is None:
        response = HttpResponse(
            "Unauthorized: send Authorization: Bearer <API token>\n", status=401
        )
        response["WWW-Authenticate"] = 'Bearer realm="fleetops-metrics"'
        return response
    if not any(user.has_perm(p) for p in MONITORING_PERMS):
        return HttpResponse(
            "Forbidden: this token's user holds no monitoring permission\n", status=403
        )
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FleetOpsCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
