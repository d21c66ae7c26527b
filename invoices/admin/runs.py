"""Ingest runs and data-quality issues."""

from django.contrib import admin

from fleetops.admin_mixins import counts
from invoices.admin.common import ReadOnlyAdmin
from invoices.models import IngestRun, InvoiceIssue


@admin.register(IngestRun)
class IngestRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id", "trigger", "status", "started_at", "duration",
        *counts(IngestRun, "fetched", "processed", "skipped", "failed", "line_items_created",
                "total_value"),
        "created_by",
    )  # fmt: skip
    list_filter = ("status", "trigger", "started_at")
    list_select_related = ("created_by",)
    ordering = ("-started_at", "-id")

    @admin.display(description="duration (s)")
    def duration(self, obj):
        seconds = obj.duration_seconds
        return "—" if seconds is None else f"{seconds:.1f}"


@admin.register(InvoiceIssue)
class InvoiceIssueAdmin(ReadOnlyAdmin):
    list_display = ("raw_invoice", "kind", "difference", "message", "created_at")
    list_filter = ("kind",)
    list_select_related = ("raw_invoice",)
    raw_id_fields = ("raw_invoice",)
    ordering = ("-created_at", "-id")
