from django.db import models
from django.db.models import Case, F, Q, When
from django.template.defaultfilters import pluralize
from django.utils import timezone

from fleetops.models import RunBase
from fleetops.vin import vin_normalise
from invoices.choices import PRIMARY_KEY_MAX_LENGTH, IssueKind, LineType
from invoices.fields import PayloadField


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
    window_start = models.DateField(
        null=True, blank=True, help_text="First invoice date pulled from the Fullbay API."
    )
    window_end = models.DateField(
        null=True, blank=True,
        help_text="Last invoice date pulled from the Fullbay API: the morning schedule goes on "
        "from the day after the last successful pull's.",
    )  # fmt: skip
    fetched = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # Named "skipped" in the API, the command's --json and the metrics; people read
    # "unchanged" (the raw invoice keeps its status: the skipped status is not used).
    skipped = models.PositiveIntegerField(
        default=0,
        verbose_name="unchanged",
        help_text="Invoices already stored with the same payload: left as they were.",
    )
    line_items_created = models.PositiveIntegerField(default=0)
    total_value = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta(RunBase.Meta):
        verbose_name = "invoice ingest run"
        permissions = [("view_dashboard", "Can view the invoices dashboard")]

    def __str__(self):
        return f"Invoice ingest #{self.pk} ({self.status})"

    def summary(self) -> str:
        """The run's counts as people read them: "1 invoice read, 1 processed, 0 unchanged,
        0 failed, 4 line items" (the upload message, the command, the run's page)."""
        return (
            f"{_count(self.fetched, 'invoice')} read, {self.processed:,} processed, "
            f"{self.skipped:,} unchanged, {self.failed:,} failed, "
            f"{_count(self.line_items_created, 'line item')}"
        )


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{pluralize(n)}"


class RawInvoiceQuerySet(models.QuerySet):
    def failed(self):
        return self.filter(status=RawInvoice.Status.FAILED)

    def for_vin(self, vin: str):
        """Invoices of the unit ``vin``, written any way (normalised as flattening stores it)."""
        return self.filter(unit_vin=vin_normalise(vin))


class RawInvoice(models.Model):
    """Every invoice payload as received, one per Fullbay ``primaryKey``."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (unchanged)"

    primary_key = models.CharField(
        max_length=PRIMARY_KEY_MAX_LENGTH,
        unique=True,
        help_text="Fullbay's internal invoice id (primaryKey).",
    )
    payload = PayloadField(help_text="The complete invoice as Fullbay sent it.")
    payload_hash = models.CharField(max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    run = models.ForeignKey(
        IngestRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="raw_invoices"
    )
    # A summary read from the payload when it is stored (best effort, for lists and filters).
    invoice_number = models.CharField(
        max_length=40, blank=True, help_text="The invoice number people see."
    )
    invoice_date = models.DateField(null=True, blank=True, db_index=True)
    customer_title = models.CharField(max_length=200, blank=True)
    shop_title = models.CharField(max_length=200, blank=True)
    unit_vin = models.CharField(max_length=17, blank=True, verbose_name="unit VIN")
    sub_total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    customer_id = models.CharField(max_length=40, null=True, blank=True)
    unit_number = models.CharField(max_length=60, null=True, blank=True)
    unit_make = models.CharField(max_length=60, null=True, blank=True)
    unit_model = models.CharField(max_length=100, null=True, blank=True)
    unit_year = models.CharField(max_length=4, null=True, blank=True)
    # Totals of the invoice's line items, set in the transaction that writes them (reports).
    line_count = models.PositiveIntegerField(null=True, blank=True)
    lines_total = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    labor_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    parts_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    freight_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    supply_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    misc_amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    issue_count = models.PositiveIntegerField(null=True, blank=True)
    first_complaint = models.TextField(null=True, blank=True)
    claim_token = models.CharField(
        max_length=32, blank=True, editable=False, help_text="Set by the worker processing it."
    )

    objects = RawInvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = "raw invoice"
        ordering = ["-received_at", "-id"]
        permissions = [
            ("import_rawinvoice", "Can upload invoice files"),
            ("reprocess_rawinvoice", "Can reprocess failed invoices"),
            ("export_rawinvoice", "Can export raw invoices (CSV)"),
        ]
        # Plain btree indexes declared here rather than with db_index=True, which on
        # PostgreSQL adds a varchar_pattern_ops twin per column that no query uses and
        # every insert and claim update pays for. unit_vin lookups use the composite.
        indexes = [
            models.Index(fields=["unit_vin", "invoice_date"], name="invoices_raw_vin_date"),
            models.Index(fields=["status"], name="invoices_raw_status"),
            models.Index(fields=["invoice_number"], name="invoices_raw_number"),
        ]

    def __str__(self):
        return f"Invoice {self.invoice_number or self.primary_key} ({self.status})"


class InvoiceIssue(models.Model):
    """A data-quality issue found while validating an invoice (kept with the invoice)."""

    raw_invoice = models.ForeignKey(RawInvoice, on_delete=models.CASCADE, related_name="issues")
    kind = models.CharField(max_length=40, db_index=True, choices=IssueKind.choices)
    message = models.TextField()
    difference = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        permissions = [("export_invoiceissue", "Can export invoice issues (CSV)")]

    def __str__(self):
        return f"{self.kind}: {self.message}"


def _money(**kwargs):
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


# What the parts report groups a part line by: its part number, else its description
# (``invoices.reports.sql_v1._PART_KEY``). The same expression as the partial index
# ``invoices_line_part_key`` (migration 0007, PostgreSQL), which serves it with
# ``line_type = 'PART'``.
PART_KEY = Case(
    When(~Q(part_number=""), then=F("part_number")),
    default=F("description"),
    output_field=models.TextField(),
)


class LineItemQuerySet(models.QuerySet):
    def for_part(self, key: str):
        """The part lines the parts report counts under ``key`` (``PartsAnalysis.part_key``)."""
        return self.alias(part_key=PART_KEY).filter(line_type=LineType.PART, part_key=key)


class LineItem(models.Model):
    """One flattened line of an invoice, with the invoice's full context on the row.

    Rebuilt from the raw payload by ``invoices.flatten``; replaced as a whole when the
    invoice changes. Never edited by hand.
    """

    raw_invoice = models.ForeignKey(
        RawInvoice,
        on_delete=models.CASCADE,
        related_name="lines",
        db_index=False,
        db_constraint=False,
    )  # indexed by the (raw_invoice, line_number) unique constraint. No database foreign
    # key (migration 0010): lines are only written by the ingest, for the raw row it has
    # just claimed, in the same transaction, and Django still cascades a raw invoice's
    # delete; the key cost a trigger and a lookup per line at ingest.
    line_number = models.PositiveIntegerField()
    # Invoice
    invoice_primary_key = models.CharField(max_length=32)
    invoice_number = models.CharField(max_length=40, blank=True)
    invoice_date = models.DateField(null=True, blank=True, db_index=True)
    due_date = models.DateField(null=True, blank=True)
    invoice_created = models.DateTimeField(null=True, blank=True)
    invoice_sub_total = _money(null=True, blank=True)
    invoice_tax_total = _money(null=True, blank=True)
    invoice_total = _money(null=True, blank=True)
    # Customer and shop
    customer_id = models.CharField(max_length=40, blank=True)
    customer_title = models.CharField(max_length=200, blank=True)
    shop_title = models.CharField(max_length=200, blank=True)
    # Service order and unit
    service_order_primary_key = models.CharField(max_length=32, blank=True)
    repair_order_number = models.CharField(max_length=40, blank=True)
    unit_vin = models.CharField(max_length=17, blank=True, verbose_name="unit VIN")
    unit_make = models.CharField(max_length=60, blank=True)
    unit_model = models.CharField(max_length=100, blank=True)
    unit_year = models.CharField(max_length=4, blank=True)
    unit_number = models.CharField(max_length=60, blank=True)
    # Complaint and correction
    complaint_primary_key = models.CharField(max_length=32, blank=True)
    complaint_note = models.TextField(blank=True)
    complaint_cause = models.TextField(blank=True)
    complaint_type = models.CharField(max_length=60, blank=True)
    correction_primary_key = models.CharField(max_length=32, blank=True)
    correction_title = models.CharField(max_length=255, blank=True)
    correction_component = models.CharField(max_length=120, blank=True)
    correction_system = models.CharField(max_length=120, blank=True)
    correction_performed = models.CharField(max_length=40, blank=True)
    # The item
    line_type = models.CharField(max_length=8, choices=LineType.choices)
    shop_part_number = models.CharField(max_length=80, blank=True)
    vendor_part_number = models.CharField(max_length=80, blank=True)
    part_number = models.CharField(
        max_length=80, blank=True, help_text="Shop part number, else vendor's."
    )
    description = models.TextField(blank=True)
    category = models.CharField(max_length=120, blank=True)
    quantity = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        help_text="Net of returned quantity; billed hours for labor.",
    )
    unit_cost = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    unit_price = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    amount = _money(help_text="What the customer is billed for this line.")
    cost_amount = _money(null=True, blank=True)
    margin = _money(null=True, blank=True, help_text="Amount minus cost amount.")
    taxable = models.BooleanField(null=True, blank=True)
    technician = models.CharField(max_length=120, blank=True)
    technician_number = models.CharField(max_length=40, blank=True)
    hours = models.DecimalField(
        max_digits=10, decimal_places=4, null=True, blank=True, help_text="Billed hours."
    )
    actual_hours = models.DecimalField(
        max_digits=10, decimal_places=4, null=True, blank=True, help_text="Clocked hours."
    )

    objects = LineItemQuerySet.as_manager()

    class Meta:
        ordering = ["raw_invoice_id", "line_number"]
        permissions = [("export_lineitem", "Can export line items (CSV)")]
        # Plain btrees without db_index's varchar_pattern_ops twins (see RawInvoice). Only
        # what the admin needs on line items themselves: searches by invoice number or VIN
        # and the customer filter go through the raw invoices' indexes (admin/lines.py).
        indexes = [
            models.Index(fields=["part_number"], name="invoices_line_part_number"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["raw_invoice", "line_number"], name="invoices_lineitem_unique_number"
            )
        ]

    def __str__(self):
        return f"{self.invoice_number} #{self.line_number} {self.line_type} {self.amount}"


from invoices.reports.models import *  # noqa: E402,F401,F403  (unmanaged models over the views)
