from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from monitoring import charts, selectors
from monitoring.health import health_all
from monitoring.models import Alert, AlertRule
from monitoring.selectors import admin_url, named_url
from monitoring.services import alert_acknowledge


@permission_required("monitoring.view_dashboard", raise_exception=True)
def dashboard(request):
    """Health scores with components, metric trends, runs, alerts, data-quality issues."""
    series = selectors.metric_series(days=30)
    trends = [
        (
            charts.SOURCE_TITLES.get(source, source),
            charts.metric_trend(source, s, div_id=f"trend-{i}"),
        )
        for i, (source, s) in enumerate(sorted(series.items()))
    ]
    context = {
        "health": health_all(),
        "trends": trends,
        "runs": selectors.recent_runs(limit=15),
        "alerts": selectors.active_alerts(limit=50),
        "issues": selectors.data_quality_issues(days=7),
        "rules": AlertRule.objects.all(),
        "can_ack": request.user.has_perm("monitoring.acknowledge_alert"),
        "links": {
            "alerts": admin_url(Alert),
            "rules": admin_url(AlertRule),
            "runs": {
                label: admin_url(model)
                for label, model in (
                    ("Invoice ingest runs", selectors.IngestRun),
                    ("Feed imports", selectors.FeedImport),
                    ("Reconciliations", selectors.ReconciliationRun),
                    ("Sales data loads", selectors.LoadRun),
                )
            },
            "tasks": named_url("admin:django_q_success_changelist"),
            "failed_tasks": named_url("admin:django_q_failure_changelist"),
            "schedules": named_url("admin:django_q_schedule_changelist"),
            "metrics": admin_url(selectors.Metric),
        },
    }
    return render(request, "monitoring/dashboard.html", context)


@require_POST
@permission_required("monitoring.acknowledge_alert", raise_exception=True)
def alert_ack(request, pk: int):
    """The dashboard's acknowledge button (a form POST with the CSRF token)."""
    alert = get_object_or_404(Alert, pk=pk)
    if alert_acknowledge(alert=alert, actor=request.user):
        messages.success(request, f"Alert acknowledged: {alert.message}")
    else:
        messages.info(request, "That alert was already acknowledged or resolved.")
    return redirect("monitoring:dashboard")
