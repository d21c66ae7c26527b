"""Raw invoices: status filters, payload deferred in lists and pretty on the page, reprocess."""

import datetime as dt
import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.defaultfilters import pluralize
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from import_export import fields, resources

from fleetops.admin_mixins import DateRangeListFilter, local_time
from fleetops.csvexport import StreamedExportMixin
from fleetops.formats import CSV
from fleetops.text import counted
from fleetops.uploads import upload_size_check
from invoices.admin.common import ReadOnlyAdmin, ShopFilter, exact_search
from invoices.loaders import InvoiceFileError, payloads_from_bytes
from invoices.models import InvoiceIssue, RawInvoice
from invoices.selectors import vehicle_for_vin
from invoices.services import invoices_reprocess
from invoices.services.upload import invoice_upload

RAW_EXPORT_FIELDS = (
    "primary_key", "invoice_number", "invoice_date", "status", "error", "attempts",
    "received_at", "updated_at", "last_attempt_at", "run", "customer_title", "shop_title",
    "unit_vin", "sub_total", "total",
)  # fmt: skip


class RawInvoiceResource(resources.ModelResource):
    """A raw invoice as clerks export it (not its payload): what failed, why, when."""

    # processed_at is the last attempt's time, whatever it ended in (see the change page)
    last_attempt_at = fields.Field(attribute="processed_at", column_name="last_attempt_at")
    run = fields.Field(attribute="run_id", column_name="run")

    class Meta:
        model = RawInvoice
        fields = RAW_EXPORT_FIELDS
        export_order = RAW_EXPORT_FIELDS


class StatusFilter(admin.ChoicesFieldListFilter):
    """The statuses an invoice is given: not "skipped", which is never set (an unchanged
    invoice keeps its status; the run counts it as unchanged)."""

    def choices(self, changelist):
        skipped = RawInvoice.Status.SKIPPED.label
        return (c for c in super().choices(changelist) if c["display"] != skipped)


class StalePendingFilter(admin.SimpleListFilter):
    title = "attention"
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [
            ("stale", "Pending for more than 24 h"),
            ("issues", "Processed with data-quality issues"),
        ]

    def queryset(self, request, queryset):
        if self.value() == "stale":
            return queryset.filter(
                status=RawInvoice.Status.PENDING,
                received_at__lt=timezone.now() - dt.timedelta(hours=24),
            )
        if self.value() == "issues":
            ids = InvoiceIssue.objects.values("raw_invoice_id")
            return queryset.filter(status=RawInvoice.Status.PROCESSED, pk__in=ids)
        return queryset


class InvoiceUploadForm(forms.Form):
    files = forms.FileField(
        widget=forms.ClearableFileInput(attrs={"accept": ".json"}),
        help_text="A getInvoices response, a list of invoices, or one invoice (JSON).",
    )

    def clean_files(self):
        upload = self.cleaned_data["files"]
        upload_size_check(upload)
        self.content = upload.read()
        try:
            payloads_from_bytes(self.content, name=upload.name)  # refused before anything runs
        except InvoiceFileError as exc:
            raise ValidationError(str(exc)) from None
        return upload


@admin.register(RawInvoice)
class RawInvoiceAdmin(StreamedExportMixin, ReadOnlyAdmin):
    resource_classes = [RawInvoiceResource]
    formats = [CSV]  # the one format clerks export, formulae escaped (fleetops.formats)
    list_display = ("primary_key", "invoice_number", "invoice_date", "customer_title", "unit_vin",
                    "total", "status", "attempts", "received_at", "short_error")  # fmt: skip
    list_filter = (
        ("status", StatusFilter), StalePendingFilter, ShopFilter,
        ("invoice_date", DateRangeListFilter), "received_at",
    )  # fmt: skip
    search_fields = ("primary_key",)
    search_help_text = "Exact Fullbay primary key, invoice number or unit VIN."
    list_select_related = ()
    ordering = ("-received_at", "-id")
    actions = ("reprocess_selected",)
    # import-export's list template is this one (Upload beside Export), on Django's own
    import_export_change_list_template = "invoices/admin/rawinvoice_change_list.html"
    fieldsets = (
        (None, {"fields": ("primary_key", "invoice_number", "invoice_date", "customer_title",
                           "shop_title", "unit_vin", "vehicle", "sub_total", "total")}),
        ("Processing", {"fields": ("status", "error", "attempts", "received_at", "updated_at",
                                   "last_attempt_at", "run_outcome", "payload_hash",
                                   "line_items", "data_quality")}),
        ("Payload as received", {"fields": ("payload_pretty",)}),
    )  # fmt: skip
    readonly_fields = ("vehicle", "last_attempt_at", "run_outcome", "line_items", "data_quality",
                       "payload_pretty")  # fmt: skip

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.resolver_match and request.resolver_match.url_name.endswith("changelist"):
            qs = qs.defer("payload")
        return qs

    def get_search_results(self, request, queryset, search_term):
        fields = ("primary_key", "invoice_number", "unit_vin")
        return exact_search(queryset, search_term, fields, upper=("unit_vin",)), False

    @admin.display(description="error")
    def short_error(self, obj):
        return (obj.error[:80] + "…") if len(obj.error) > 80 else obj.error

    @admin.display(description="payload")
    def payload_pretty(self, obj):
        return format_html(
            '<pre class="payload" style="max-height:40em;overflow:auto">{}</pre>',
            json.dumps(obj.payload, indent=2, ensure_ascii=False),
        )

    @admin.display(description="vehicle in inventory")
    def vehicle(self, obj):
        vehicle = vehicle_for_vin(obj.unit_vin)
        if vehicle is None:
            return "—"
        url = reverse("admin:inventory_vehicle_change", args=[vehicle.pk])
        label = " ".join(str(v) for v in (vehicle.year, vehicle.make, vehicle.model) if v)
        stock = f", stock {vehicle.stock_number}" if vehicle.stock_number else ""
        return format_html('<a href="{}">{}</a> {}{}', url, vehicle.vin, label, stock)

    @admin.display(description="last attempt at")
    def last_attempt_at(self, obj):
        """``processed_at`` is stamped when an attempt claims the invoice (ingest, retry,
        reprocess), before its outcome is known: for a failed invoice it is when it last
        failed, so the page does not call it "processed"."""
        if obj.processed_at is None:
            return "—"
        outcome = {RawInvoice.Status.PROCESSED: "processed", RawInvoice.Status.FAILED: "failed"}
        ended = outcome.get(obj.status)
        when = local_time(obj.processed_at)
        return f"{when} ({ended})" if ended else when

    @admin.display(description="last run")
    def run_outcome(self, obj):
        """The run that last took the invoice, with its counts: a run "succeeded" when it
        ran to its end, even if every invoice in it failed, which the counts say."""
        run = obj.run
        if run is None:
            return "—"
        url = reverse("admin:invoices_ingestrun_change", args=[run.pk])
        every_failed = run.failed and not (run.processed or run.skipped)
        return format_html(
            '<a href="{}">Invoice ingest #{}</a> ({}): {}, {}{}',
            url,
            run.pk,
            run.get_trigger_display(),
            run.status_label.lower(),
            run.summary(),
            mark_safe(" — <strong>every invoice in it failed</strong>") if every_failed else "",
        )

    @admin.display(description="line items")
    def line_items(self, obj):
        count = obj.lines.count()
        url = reverse("admin:invoices_lineitem_changelist") + f"?raw_invoice__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, counted(count, "line item"))

    @admin.display(description="data-quality issues")
    def data_quality(self, obj):
        issues = obj.issues.all()
        if not issues:
            return "None"
        return format_html_join(
            "",
            "<div><strong>{}</strong>: {}</div>",
            ((i.get_kind_display(), i.message) for i in issues),
        )

    @admin.action(description="Reprocess selected failed invoices", permissions=["reprocess"])
    def reprocess_selected(self, request, queryset):
        ids = list(queryset.filter(status=RawInvoice.Status.FAILED).values_list("id", flat=True))
        if not ids:
            self.message_user(request, "None of the selected invoices failed.", messages.WARNING)
            return
        run = invoices_reprocess(raw_ids=ids, actor=request.user)
        self.message_user(
            request,
            f"Reprocessed {run.fetched}: {run.processed} processed, {run.failed} still failing.",
            messages.SUCCESS if not run.failed else messages.WARNING,
        )

    def has_export_permission(self, request):
        return request.user.has_perm("invoices.export_rawinvoice")

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).defer("payload")

    def has_reprocess_permission(self, request):
        return request.user.has_perm("invoices.reprocess_rawinvoice")

    # Upload for clerks ---------------------------------------------------------------
    def get_urls(self):
        upload = self.admin_site.admin_view(self.upload_view)
        return [path("upload/", upload, name="invoices_rawinvoice_upload"), *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_upload": request.user.has_perm("invoices.import_rawinvoice"),
        }
        return super().changelist_view(request, extra_context)

    def upload_view(self, request):
        if not request.user.has_perm("invoices.import_rawinvoice"):
            raise PermissionDenied
        form = InvoiceUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            run, queued = invoice_upload(
                content=form.content, name=form.cleaned_data["files"].name, actor=request.user
            )
            if queued:
                self.message_user(
                    request,
                    f"Run {run.pk}: {run.fetched:,} invoice{pluralize(run.fetched)} queued; "
                    "the run shows its progress while the cluster ingests them.",
                    messages.INFO,
                )
            else:
                self.message_user(
                    request,
                    f"Run {run.pk}: {run.summary()}.",
                    messages.SUCCESS if not run.failed else messages.WARNING,
                )
            return redirect("admin:invoices_ingestrun_change", run.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "form": form,
            "title": "Upload Fullbay invoices",
        }
        return TemplateResponse(request, "invoices/admin/upload.html", context)
