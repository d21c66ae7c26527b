from django.contrib import admin, messages
from django.utils import timezone
from django.utils.html import format_html
from django_q import admin as q_admin
from django_q.models import Failure, Success

from fleetops.admin_mixins import (
    BoundedDateHierarchyMixin,
    ServiceWrittenMixin,
    fields_shown,
    person,
)
from fleetops.paginators import EstimatedCountPaginator
from fleetops.text import counted
from monitoring.models import Alert, AlertRule, Metric
from monitoring.services import alert_acknowledge


@admin.register(Metric)
class MetricAdmin(BoundedDateHierarchyMixin, ServiceWrittenMixin, admin.ModelAdmin):
    """The metric time series: one row per value per run (grows with every run)."""

    list_display = ("recorded_at", "source", "name", "value", "run_id")
    list_filter = ("source", "name")
    search_fields = ("=run_id",)
    date_hierarchy = "recorded_at"
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator


class ActiveFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return (("active", "Unresolved (open or acknowledged)"), ("stale", "Open > 24 h"))

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.active()
        if self.value() == "stale":
            return queryset.open().filter(opened_at__lt=timezone.now() - timezone.timedelta(1))
        return queryset


@admin.register(Alert)
class AlertAdmin(BoundedDateHierarchyMixin, ServiceWrittenMixin, admin.ModelAdmin):
    list_display = (
        "opened_at",
        "severity_pill",
        "status",
        "kind",
        "subject",
        "message",
        "last_seen_at",
        "acknowledged_by",
        "resolved_at",
    )
    list_filter = (ActiveFilter, "status", "severity", "kind")
    list_select_related = ("acknowledged_by",)
    search_fields = ("message", "subject")
    date_hierarchy = "opened_at"
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    actions = ("acknowledge",)
    acknowledged_by_name = person("acknowledged_by", "acknowledged by")

    def get_readonly_fields(self, request, obj=None):
        return fields_shown(Alert, acknowledged_by="acknowledged_by_name")

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    @admin.display(description="Severity", ordering="severity")
    def severity_pill(self, obj):
        return format_html('<span class="pill {}">{}</span>', obj.severity, obj.severity)

    def has_acknowledge_permission(self, request):
        return request.user.has_perm("monitoring.acknowledge_alert")

    @admin.action(description="Acknowledge selected alerts", permissions=["acknowledge"])
    def acknowledge(self, request, queryset):
        done = sum(alert_acknowledge(alert=a, actor=request.user) for a in queryset.open())
        self.message_user(request, f"{counted(done, 'alert')} acknowledged.", messages.SUCCESS)


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    """Thresholds and windows of the alert rules (one row per rule, seeded by migration)."""

    list_display = (
        "kind",
        "enabled",
        "severity",
        "threshold",
        "window_hours",
        "not_before_hour",
        "description",
    )
    list_editable = ("enabled", "severity", "threshold", "window_hours", "not_before_hour")
    list_filter = ("enabled", "severity")
    fields = (
        "kind",
        "description",
        "enabled",
        "severity",
        "threshold",
        "window_hours",
        "not_before_hour",
    )
    readonly_fields = ("kind", "description")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# django-q2's task history admin offers "Resubmit selected tasks to queue" to anyone who
# can view it (the action declares no permission): Managers, who only read the history,
# could re-run ingests and reconciliations. Re-register it so resubmitting needs the
# change permission (the admin only).
@admin.action(description="Resubmit selected tasks to queue", permissions=["change"])
def resubmit_task(modeladmin, request, queryset):
    return q_admin.resubmit_task(modeladmin, request, queryset)


class GuardedTaskAdmin(q_admin.TaskAdmin):
    actions = [resubmit_task]


class GuardedFailAdmin(q_admin.FailAdmin):
    actions = [resubmit_task]


for _model, _admin_class in ((Success, GuardedTaskAdmin), (Failure, GuardedFailAdmin)):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin_class)
