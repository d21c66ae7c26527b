"""Vehicles: presence per source, the raw source rows, exception history, service invoices."""

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from import_export.admin import ExportMixin

from fleetops.admin_mixins import ServiceWrittenMixin, counts, local_time
from inventory.admin.filters import (
    MissingInFilter,
    ShortCountPaginator,
    StoreFilter,
    exact_search,
)
from inventory.models import (
    InventoryException,
    InventorySettings,
    MatchState,
    ProbableMatch,
    ReconciliationRun,
    Source,
    SourceRecord,
    Vehicle,
    VinAlias,
)
from inventory.resources import VehicleResource
from inventory.services import match_confirm, match_dismiss

YES, NO = "✔", "—"


def invoices_for(vin: str) -> list[dict] | None:
    """The vehicle's service invoices from the invoices app; None until that app offers them."""
    try:
        from invoices.selectors import invoices_for_vin
    except ImportError:
        return None
    return list(invoices_for_vin(vin))


@admin.register(Vehicle)
class VehicleAdmin(ServiceWrittenMixin, ExportMixin, admin.ModelAdmin):
    list_display = ("vin", "stock_number", "store", "year", "make", "model", "cdk", "vauto",
                    "lojack", "oem", "cost")  # fmt: skip
    list_filter = (MissingInFilter, StoreFilter)
    search_fields = ("vin",)
    search_help_text = "VIN (full, first characters or last 8) or stock number."
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = ShortCountPaginator
    list_select_related = ()
    ordering = ("vin",)
    resource_classes = [VehicleResource]
    fieldsets = (
        (None, {"fields": ("vin", "stock_number", "store", "year", "make", "model", "trim",
                           "category", "cost", "price", "msrp", "first_seen_at",
                           "last_seen")}),
        ("Presence per source", {"fields": ("presence",)}),
        ("Raw source rows", {"fields": ("source_rows",)}),
        ("Exceptions", {"fields": ("exception_history", "probable_matches")}),
        ("Service invoices", {"fields": ("service_invoices",)}),
    )  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Vehicle._meta.fields] + [
            "presence", "source_rows", "exception_history", "probable_matches",
            "service_invoices", "last_seen",
        ]  # fmt: skip

    @admin.display(description="Last seen")
    def last_seen(self, obj):
        if obj.combo:
            return "In the current snapshots (see Presence per source)."
        when = local_time(obj.last_seen_at)
        return f"{when}: gone from every source since."

    def get_search_results(self, request, queryset, search_term):
        return exact_search(queryset, search_term), False

    @admin.display(boolean=True, description="CDK", ordering="in_cdk")
    def cdk(self, obj):
        return obj.in_cdk

    @admin.display(boolean=True, description="vAuto", ordering="in_vauto")
    def vauto(self, obj):
        return obj.in_vauto

    @admin.display(boolean=True, description="LoJack", ordering="in_lojack")
    def lojack(self, obj):
        return obj.in_lojack

    @admin.display(boolean=True, description="OEM", ordering="in_oem")
    def oem(self, obj):
        return obj.in_oem

    @admin.display(description="Presence")
    def presence(self, obj):
        seen = {
            r.source: r
            for r in SourceRecord.objects.for_vin(obj.vin).only("source", "last_seen_at")
        }
        cells = (
            (label, YES if value in seen else NO,
             local_time(seen[value].last_seen_at)
             if value in seen else "not in the current snapshot")
            for value, label in Source.choices
        )  # fmt: skip
        return format_html(
            "<table><tr><th>Source</th><th>Present</th><th>Last imported</th></tr>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", cells),
        )

    @admin.display(description="Rows as sent")
    def source_rows(self, obj):
        rows = list(SourceRecord.objects.for_vin(obj.vin).order_by("source"))
        if not rows:
            return "None: no source has this VIN in its current snapshot."
        return format_html(
            "<table><tr><th>Source</th><th>Store</th><th>Stock</th><th>Import / line</th>"
            "<th>Row</th></tr>{}</table>",
            format_html_join(
                "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>#{} line {}</td><td><code>{}</code>"
                "</td></tr>",
                ((r.get_source_display(), r.store, r.stock_number, r.feed_import_id,
                  r.line_number, r.raw_line) for r in rows),
            ),
        )  # fmt: skip

    @admin.display(description="History")
    def exception_history(self, obj):
        rows = list(InventoryException.objects.filter(vin=obj.vin).order_by("-opened_at"))
        if not rows:
            return "None."
        return format_html(
            "<table><tr><th>Kind</th><th>Priority</th><th>State</th><th>Opened</th>"
            "<th>Closed</th><th>Reopened</th><th>Note</th></tr>{}</table>",
            format_html_join(
                "", '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
                "<td>{}×</td><td>{}</td></tr>",
                ((reverse("admin:inventory_inventoryexception_change", args=[e.pk]),
                  e.get_kind_display(), e.priority, e.get_state_display(),
                  local_time(e.opened_at, "DATE_FORMAT"),
                  local_time(e.closed_at, "DATE_FORMAT") if e.closed_at else "",
                  e.times_reopened, e.note or e.close_reason) for e in rows),
            ),
        )  # fmt: skip

    @admin.display(description="Probable matches")
    def probable_matches(self, obj):
        pairs = ProbableMatch.objects.filter(vehicle_vin=obj.vin) | ProbableMatch.objects.filter(
            listing_vin=obj.vin
        )
        rows = [
            (reverse("admin:inventory_probablematch_changelist") + f"?q={m.vehicle_vin}",
             m.listing_key, m.vehicle_vin, m.reason, m.get_state_display())
            for m in pairs[:20]
        ]  # fmt: skip
        if not rows:
            return "None."
        return format_html(
            "<table><tr><th>vAuto listing</th><th>CDK VIN</th><th>Why</th><th>State</th></tr>"
            "{}</table>",
            format_html_join(
                "", '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>', rows
            ),
        )

    @admin.display(description="Invoices")
    def service_invoices(self, obj):
        invoices = invoices_for(obj.vin)
        if invoices is None:
            return "Service invoices are not available yet."
        if not invoices:
            return "No service invoices for this VIN."
        return format_html(
            "<table><tr><th>Invoice</th><th>Date</th><th>Total</th></tr>{}</table>",
            format_html_join(
                "", '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td></tr>',
                ((i.get("url") or "#", i.get("invoice_number") or i.get("primary_key"),
                  i.get("invoice_date") or "", i.get("total") or "") for i in invoices),
            ),
        )  # fmt: skip


@admin.register(ProbableMatch)
class ProbableMatchAdmin(admin.ModelAdmin):
    list_display = ("listing_key", "vehicle_vin", "reason", "stock_number", "store", "state",
                    "created_at")  # fmt: skip
    list_filter = ("state", "reason")
    search_fields = ("listing_vin", "vehicle_vin")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = ("confirm", "dismiss")
    readonly_fields = [f.name for f in ProbableMatch._meta.fields]

    def has_add_permission(self, request):
        return False

    def _decide(self, request, queryset, service, verb):
        done = sum(
            service(match=m, user=request.user)
            for m in queryset.filter(state=MatchState.SUGGESTED)[:500]
        )
        self.message_user(request, f"{verb} {done} pair(s).", messages.SUCCESS)

    @admin.action(description="Confirm: the same vehicle", permissions=["change"])
    def confirm(self, request, queryset):
        self._decide(request, queryset, match_confirm, "Confirmed")

    @admin.action(description="Dismiss: different vehicles", permissions=["change"])
    def dismiss(self, request, queryset):
        self._decide(request, queryset, match_dismiss, "Dismissed")


@admin.register(VinAlias)
class VinAliasAdmin(admin.ModelAdmin):
    list_display = ("source", "from_key", "vin", "created_at")
    search_fields = ("from_key", "vin")


@admin.register(InventorySettings)
class InventorySettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "floorplan_monthly_rate", "oem_at_risk_share",
                    "sla_critical_days", "sla_high_days", "sla_medium_days")  # fmt: skip

    def has_add_permission(self, request):
        return not InventorySettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ServiceWrittenMixin, admin.ModelAdmin):
    superuser_may_delete = True
    list_display = (
        "id", "status", "started_at", "finished_at",
        *counts(ReconciliationRun, "vehicles", "aligned", "oem_not_in_cdk", "not_marketed",
                "ghost_listing", "no_tracking"),
    )  # fmt: skip
    list_filter = ("status",)
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ReconciliationRun._meta.fields]
