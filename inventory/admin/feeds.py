"""Feed imports and their issues, source rows, and the clerks' upload (preview, confirm)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from fleetops.paginators import EstimatedCountPaginator
from fleetops.uploads import upload_size_check
from inventory.models import FeedImport, FeedIssue, FeedUpload, SourceRecord
from inventory.services.uploads import feed_upload_confirm, feed_upload_preview


@admin.register(FeedImport)
class FeedImportAdmin(admin.ModelAdmin):
    list_display = ("id", "source", "store", "filename", "status", "progress", "started_at",
                    "rows_read", "vehicles", "invalid_rows", "duplicates",
                    "created_by")  # fmt: skip
    list_filter = ("source", "status")
    list_select_related = ("created_by",)
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    readonly_fields = ("issues_table",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in FeedImport._meta.fields] + ["issues_table"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="Invalid and duplicate rows (first 200)")
    def issues_table(self, obj):
        issues = obj.issues.all()[:200]
        url = reverse("admin:inventory_feedissue_changelist") + f"?feed_import__id__exact={obj.pk}"
        return format_html(
            '<p><a href="{}">All issues of this import</a></p><table><tr><th>Line</th>'
            "<th>Value</th><th>Reason</th><th>Message</th></tr>{}</table>",
            url,
            format_html_join(
                "", "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                ((i.line_number, i.raw_value, i.reason, i.message) for i in issues),
            ),
        )  # fmt: skip


@admin.register(FeedIssue)
class FeedIssueAdmin(admin.ModelAdmin):
    list_display = ("feed_import", "line_number", "raw_value", "reason", "is_warning", "message")
    list_filter = ("reason", "is_warning", "feed_import__source")
    search_fields = ("=raw_value",)
    raw_id_fields = ("feed_import",)
    list_select_related = ("feed_import",)
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in FeedIssue._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(SourceRecord)
class SourceRecordAdmin(admin.ModelAdmin):
    list_display = ("source", "key", "store", "stock_number", "year", "make", "model", "cost",
                    "price", "line_number", "feed_import_id")  # fmt: skip
    list_filter = ("source",)
    search_fields = ("=vin", "=key", "=stock_number")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    raw_id_fields = ("feed_import",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw_line")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in SourceRecord._meta.fields]

    def has_add_permission(self, request):
        return False


class FeedUploadForm(forms.ModelForm):
    class Meta:
        model = FeedUpload
        fields = ("source", "store", "file")

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        upload_size_check(uploaded)
        if not uploaded.name.lower().endswith((".csv", ".txt")):
            raise ValidationError("Upload the source's CSV export (.csv).")
        return uploaded


@admin.register(FeedUpload)
class FeedUploadAdmin(admin.ModelAdmin):
    """Clerks upload a snapshot, see the preview with row errors, then confirm."""

    form = FeedUploadForm
    change_form_template = "inventory/admin/feedupload_change_form.html"
    list_display = ("id", "source", "store", "state", "created_by", "created_at", "run_status")
    list_select_related = ("created_by", "feed_import")
    readonly_fields = ("state", "preview_html", "run_status")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("source", "store", "file")
        return ("source", "store", "file", "state", "run_status", "preview_html")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("source", "store", "file", "state", "run_status", "preview_html")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            feed_upload_preview(upload=obj)

    def response_add(self, request, obj, post_url_continue=None):
        return HttpResponseRedirect(reverse("admin:inventory_feedupload_change", args=[obj.pk]))

    def response_change(self, request, obj):
        if "_confirm_import" in request.POST:
            run = feed_upload_confirm(upload=obj, user=request.user)
            if run is None:
                self.message_user(request, "This upload was already queued.", messages.WARNING)
            else:
                self.message_user(request, f"Import #{run.pk} queued.", messages.SUCCESS)
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    @admin.display(description="Import")
    def run_status(self, obj):
        run = obj.feed_import
        if run is None:
            return "Not started"
        url = reverse("admin:inventory_feedimport_change", args=[run.pk])
        return format_html(
            '<a href="{}">#{}</a> {} — {}% · {} rows, {} vehicles, {} invalid, {} duplicates {}',
            url, run.pk, run.get_status_display(), run.progress, run.rows_read, run.vehicles,
            run.invalid_rows, run.duplicates, run.error,
        )  # fmt: skip

    @admin.display(description="Preview")
    def preview_html(self, obj):
        p = obj.preview or {}
        if "rejected" in p:
            return format_html('<strong class="error">Rejected:</strong> {}', p["rejected"])
        errors = format_html_join(
            "", "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
            ((e["line"], e["value"], e["reason"] + (" (warning)" if e["warning"] else ""),
              e["message"]) for e in p.get("errors", [])),
        )  # fmt: skip
        return format_html(
            "<p>{}{} rows read: {} vehicles, {} invalid, {} duplicates, {} warnings.</p>"
            "<p>Columns: {}</p><table><tr><th>Line</th><th>Value</th><th>Reason</th>"
            "<th>Message</th></tr>{}</table>",
            "First 5 MB only — " if p.get("partial") else "", p.get("rows_read", 0),
            p.get("vehicles", 0), p.get("invalid_rows", 0), p.get("duplicates", 0),
            p.get("warnings", 0), ", ".join(p.get("headers", [])), errors,
        )  # fmt: skip
