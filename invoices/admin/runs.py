"""Ingest runs and data-quality issues."""

from django.contrib import admin

from fleetops.admin_mixins import counts, field_column
from invoices.admin.common import InvoiceRowShopFilter, ReadOnlyAdmin
from invoices.models import IngestRun, InvoiceIssue
from invoices.money import dollars


@admin.register(IngestRun)
class IngestRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id", "trigger", "status", "started_at", "duration",
        *counts(IngestRun, "fetched", "processed", "skipped", "failed", "line_items_created"),
        field_column("total_value", "total value", dollars), "created_by",
    )  # fmt: skip
    list_filter = ("status", "trigger", "started_at")
    list_select_related = ("created_by",)
    ordering = ("-started_at", "-id")
    fieldsets = (
        (None, {"fields": ("status", "trigger", "source", ("window_start", "window_end"),
                           "created_by", "started_at", "finished_at", "duration",
                           "heartbeat_at", "error")}),
        ("Counts", {"fields": ("fetched", "processed", "skipped", "failed",
                               "line_items_created", "total_value_dollars")}),
    )  # fmt: skip
    readonly_fields = ("duration", "total_value_dollars")
    change_form_template = "invoices/admin/ingestrun_change_form.html"

    @admin.display(description="duration (s)")
    def duration(self, obj):
        seconds = obj.duration_seconds
        return "—" if seconds is None else f"{seconds:,.1f}"

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            context["total_value"] = dollars(obj.total_value)  # the summary line's
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="total value")
    def total_value_dollars(self, obj):
        return dollars(obj.total_value)


@admin.register(InvoiceIssue)
class InvoiceIssueAdmin(ReadOnlyAdmin):
    list_display = ("raw_invoice", "kind", "difference", "message", "created_at")
    list_filter = ("kind", InvoiceRowShopFilter)
    list_select_related = ("raw_invoice",)
    raw_id_fields = ("raw_invoice",)
    ordering = ("-created_at", "-id")

    # The invoices dashboard's links narrow issues to their invoices' dates (its range);
    # allowed without a date filter in the sidebar, whose "Any date" would read as chosen.
    INVOICE_DATE_LOOKUPS = ("raw_invoice__invoice_date__gte", "raw_invoice__invoice_date__lt")

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in self.INVOICE_DATE_LOOKUPS or super().lookup_allowed(lookup, value, request)
