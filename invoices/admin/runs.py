"""Ingest runs and data-quality issues."""

from django.contrib import admin
from django.db.models import Q
from import_export import fields, resources

from fleetops.admin_mixins import RecentDaysFilter, counts, field_column, person
from fleetops.csvexport import StreamedExportMixin
from fleetops.formats import CSV
from invoices.admin.common import InvoiceRowShopFilter, ReadOnlyAdmin, search_term_clean
from invoices.models import IngestRun, InvoiceIssue, RawInvoice
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
                           "created_by_name", "started_at", "finished_at", "duration",
                           "heartbeat_at", "error")}),
        ("Counts", {"fields": ("fetched", "processed", "skipped", "failed",
                               "line_items_created", "total_value_dollars")}),
    )  # fmt: skip
    readonly_fields = ("duration", "total_value_dollars", "created_by_name")
    change_form_template = "invoices/admin/ingestrun_change_form.html"
    created_by_name = person("created_by", "created by")

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


ISSUE_EXPORT_FIELDS = (
    "invoice_primary_key", "invoice_number", "invoice_date", "shop_title", "kind", "kind_label",
    "message", "difference", "created_at",
)  # fmt: skip


class InvoiceIssueResource(resources.ModelResource):
    """An issue with its invoice's key, number, date and shop, and its kind as people read it."""

    invoice_primary_key = fields.Field(attribute="raw_invoice__primary_key")
    invoice_number = fields.Field(attribute="raw_invoice__invoice_number")
    invoice_date = fields.Field(attribute="raw_invoice__invoice_date")
    shop_title = fields.Field(attribute="raw_invoice__shop_title")
    kind_label = fields.Field(attribute="get_kind_display")

    class Meta:
        model = InvoiceIssue
        fields = ISSUE_EXPORT_FIELDS
        export_order = ISSUE_EXPORT_FIELDS


@admin.register(InvoiceIssue)
class InvoiceIssueAdmin(StreamedExportMixin, ReadOnlyAdmin):
    resource_classes = [InvoiceIssueResource]
    formats = [CSV]  # the one format clerks export, formulae escaped (fleetops.formats)
    list_display = ("raw_invoice", "kind", "difference", "message", "created_at")
    search_fields = ("message",)
    search_help_text = (
        "Exact invoice number or Fullbay primary key, or words of the message (any case)."
    )
    list_filter = ("kind", InvoiceRowShopFilter, RecentDaysFilter)
    list_select_related = ("raw_invoice",)
    raw_id_fields = ("raw_invoice",)
    ordering = ("-created_at", "-id")

    # The invoices dashboard's links narrow issues to their invoices' dates (its range);
    # allowed without a date filter in the sidebar, whose "Any date" would read as chosen.
    INVOICE_DATE_LOOKUPS = ("raw_invoice__invoice_date__gte", "raw_invoice__invoice_date__lt")

    def get_queryset(self, request):
        # the joined invoice without its raw JSON (list, export, page: its number, key, dates)
        return super().get_queryset(request).defer("raw_invoice__payload")

    def get_search_results(self, request, queryset, search_term):
        """The issues of the invoices with that number or key (the raw invoices' indexes),
        or whose message holds the words."""
        term = search_term_clean(search_term)
        if not term:
            return queryset, False
        invoices = RawInvoice.objects.filter(Q(invoice_number=term) | Q(primary_key=term))
        return queryset.filter(
            Q(raw_invoice_id__in=invoices.values("id")) | Q(message__icontains=term)
        ), False

    def has_export_permission(self, request):
        return request.user.has_perm("invoices.export_invoiceissue")

    def lookup_allowed(self, lookup, value, request=None):
        return lookup in self.INVOICE_DATE_LOOKUPS or super().lookup_allowed(lookup, value, request)
