from django.db import models
from django.utils import timezone

from fleetops.models import RunBase


class IngestRun(RunBase):
    """One ingest of invoices (files, the Fullbay API, or the morning schedule)."""

    class Trigger(models.TextChoices):
        FILE = "file", "Files"
        API = "api", "Fullbay API"
        SCHEDULE = "schedule", "Schedule"
        UPLOAD = "upload", "Upload"
        REPROCESS = "reprocess", "Reprocess"

    trigger = models.CharField(max_length=10, choices=Trigger.choices, default=Trigger.FILE)
    source = models.CharField(max_length=255, blank=True, help_text="Paths or date window.")
    fetched = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    line_items_created = models.PositiveIntegerField(default=0)
    total_value = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta(RunBase.Meta):
        verbose_name = "invoice ingest run"
        permissions = [("view_dashboard", "Can view the invoices dashboard")]


class RawInvoice(models.Model):
    """Every invoice payload as received, one per Fullbay ``primaryKey``."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (unchanged)"

    primary_key = models.CharField(max_length=32, unique=True)
    payload = models.JSONField()
    payload_hash = models.CharField(max_length=64)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    run = models.ForeignKey(
        IngestRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="raw_invoices"
    )

    def __str__(self):
        return f"Invoice {self.primary_key} ({self.status})"


class InvoiceIssue(models.Model):
    """A data-quality issue found while validating an invoice (kept with the invoice)."""

    raw_invoice = models.ForeignKey(RawInvoice, on_delete=models.CASCADE, related_name="issues")
    kind = models.CharField(max_length=40, db_index=True)
    message = models.TextField()
    difference = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"{self.kind}: {self.message}"
