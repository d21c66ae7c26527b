"""Inventory: source snapshots, vehicles, exceptions and the runs that produce them."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from fleetops.models import RunBase


class Source(models.TextChoices):
    CDK = "cdk", "CDK (DMS)"
    VAUTO = "vauto", "vAuto"
    LOJACK = "lojack", "LoJack"
    OEM = "oem", "OEM allocations"


class FeedImport(RunBase):
    """One import of one source's snapshot (the whole group, or one store with --store)."""

    source = models.CharField(max_length=10, choices=Source.choices, db_index=True)
    store = models.CharField(max_length=60, blank=True, help_text="Empty: the whole group.")
    filename = models.CharField(max_length=255, blank=True)
    rows_read = models.PositiveIntegerField(default=0)
    vehicles = models.PositiveIntegerField(default=0, help_text="Distinct valid VINs (or orders).")
    invalid_rows = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    warnings = models.PositiveIntegerField(
        default=0, help_text="Rows kept with a warning (e.g. a wrong North American check digit)."
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Percent done.")

    class Meta(RunBase.Meta):
        verbose_name = "feed import"
        permissions = [
            ("import_feedimport", "Can upload source feeds"),
            ("export_feedimport", "Can export feed imports"),
        ]

    def __str__(self):
        return f"{self.get_source_display()} import #{self.pk} ({self.status})"


class ReconciliationRun(RunBase):
    """One reconciliation of the four sources; counts and money as of that run."""

    vehicles = models.PositiveIntegerField(default=0)
    aligned = models.PositiveIntegerField(default=0)
    pending_oem = models.PositiveIntegerField(default=0, help_text="OEM orders with no VIN yet.")
    oem_not_in_cdk = models.PositiveIntegerField(default=0)
    not_marketed = models.PositiveIntegerField(default=0)
    ghost_listing = models.PositiveIntegerField(default=0)
    no_tracking = models.PositiveIntegerField(default=0)
    oem_at_risk = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    not_marketed_value = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    floorplan_monthly = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    untracked_value = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    matrix = models.JSONField(default=dict, blank=True)
    sources = models.JSONField(default=dict, blank=True, help_text="Vehicles present per source.")
    by_store = models.JSONField(default=dict, blank=True, help_text="Open exceptions per store.")

    class Meta(RunBase.Meta):
        permissions = [("view_dashboard", "Can view the inventory dashboard")]

    def __str__(self):
        return f"Reconciliation #{self.pk} ({self.status})"

    @property
    def aligned_pct(self) -> float:
        return round(100.0 * self.aligned / self.vehicles, 2) if self.vehicles else 0.0


class SourceRecord(models.Model):
    """One row of a source's current snapshot (replaced by every import of that source).

    ``key`` is the natural key inside the source: the VIN, ``order:<number>`` for an OEM
    order with no VIN yet, or ``vin8:<last 8>:<stock>`` for vAuto's VIN-8 exports.
    """

    source = models.CharField(max_length=10, choices=Source.choices)
    key = models.CharField(max_length=60)
    vin = models.CharField(max_length=17, blank=True, db_index=True)
    vin8 = models.CharField(max_length=8, blank=True)
    store = models.CharField(max_length=60, blank=True)
    stock_number = models.CharField(max_length=30, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    make = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=60, blank=True)
    trim = models.CharField(max_length=60, blank=True)
    category = models.CharField(max_length=20, blank=True, help_text="New, used, certified...")
    cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    msrp = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=40, blank=True)
    extra = models.CharField(
        max_length=120, blank=True, help_text="Device id, order number, photos, age..."
    )
    line_number = models.PositiveIntegerField(default=0)
    raw_line = models.TextField(blank=True, help_text="The row as the source sent it.")
    feed_import = models.ForeignKey(
        FeedImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False, help_text="The import that last changed this row.",
    )  # fmt: skip
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(
        default=timezone.now, help_text="When the row last changed in the source."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="inv_source_record_key")
        ]
        indexes = [models.Index(fields=["source", "store"], name="inv_source_store")]

    def __str__(self):
        return f"{self.source}:{self.key}"


class Vehicle(models.Model):
    """One vehicle per normalised VIN, with its presence in each source (set by reconcile)."""

    vin = models.CharField(max_length=17, unique=True, help_text="Normalised: 17 characters.")
    store = models.CharField(max_length=60, blank=True, db_index=True)
    stock_number = models.CharField(max_length=30, blank=True, db_index=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    make = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=60, blank=True)
    trim = models.CharField(max_length=60, blank=True)
    category = models.CharField(max_length=20, blank=True)
    cost = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="CDK dealer cost."
    )
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    msrp = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    in_cdk = models.BooleanField(default=False)
    in_vauto = models.BooleanField(default=False)
    in_lojack = models.BooleanField(default=False)
    in_oem = models.BooleanField(default=False)
    combo = models.CharField(
        max_length=4, blank=True, db_index=True, help_text="Present sources: C, V, L, O."
    )
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["vin"]
        permissions = [("export_vehicle", "Can export vehicles")]

    def __str__(self):
        return self.vin


class ExceptionKind(models.TextChoices):
    OEM_NOT_IN_CDK = "oem_not_in_cdk", "OEM order not in CDK"
    NOT_MARKETED = "not_marketed", "Not marketed (CDK, not vAuto)"
    GHOST_LISTING = "ghost_listing", "Ghost listing (vAuto, not CDK)"
    NO_TRACKING = "no_tracking", "No tracking (CDK, not LoJack)"


class Priority(models.TextChoices):
    CRITICAL = "CRITICAL", "Critical"
    HIGH = "HIGH", "High"
    MEDIUM = "MEDIUM", "Medium"


KIND_PRIORITY = {
    ExceptionKind.OEM_NOT_IN_CDK: Priority.CRITICAL,
    ExceptionKind.NOT_MARKETED: Priority.HIGH,
    ExceptionKind.GHOST_LISTING: Priority.HIGH,
    ExceptionKind.NO_TRACKING: Priority.MEDIUM,
}


class ExceptionState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    SNOOZED = "snoozed", "Snoozed"
    RESOLVED = "resolved", "Resolved"
    CLEARED = "cleared", "Cleared by feed"


OPEN_STATES = (ExceptionState.OPEN, ExceptionState.ACKNOWLEDGED, ExceptionState.SNOOZED)


class InventoryExceptionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def breached(self, now=None):
        return self.open().filter(sla_due_at__lt=now or timezone.now())


class InventoryException(models.Model):
    """A vehicle out of step between sources: one row per (VIN, kind), reopened if it recurs."""

    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.CASCADE, related_name="exceptions", db_index=False
    )
    vin = models.CharField(max_length=17, db_index=True)
    stock_number = models.CharField(max_length=30, blank=True, db_index=True)
    store = models.CharField(max_length=60, blank=True)
    kind = models.CharField(max_length=20, choices=ExceptionKind.choices)
    priority = models.CharField(max_length=10, choices=Priority.choices)
    state = models.CharField(max_length=14, choices=ExceptionState.choices, default="open")
    active = models.BooleanField(default=True, help_text="The condition held at the last run.")
    amount = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, help_text="Money at risk for this vehicle."
    )
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.CharField(max_length=40, blank=True)
    times_reopened = models.PositiveIntegerField(default=0)
    last_event = models.CharField(max_length=20, blank=True)
    last_event_run = models.ForeignKey(
        ReconciliationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.TextField(blank=True, help_text="The last triage note.")
    updated_at = models.DateTimeField(default=timezone.now)

    objects = InventoryExceptionQuerySet.as_manager()

    class Meta:
        verbose_name = "inventory exception"
        ordering = ["sla_due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["vin", "kind"], name="inv_exception_vin_kind")
        ]
        indexes = [
            models.Index(fields=["state", "priority", "sla_due_at"], name="inv_exc_state_prio"),
            models.Index(fields=["sla_due_at", "id"], name="inv_exc_sla_order"),
            models.Index(fields=["store", "state"], name="inv_exc_store_state"),
            models.Index(fields=["kind", "state"], name="inv_exc_kind_state"),
        ]
        permissions = [
            ("resolve_inventoryexception", "Can resolve inventory exceptions"),
            ("export_inventoryexception", "Can export inventory exceptions"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.vin}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def age_days(self) -> int:
        end = self.closed_at or timezone.now()
        return (end - self.opened_at).days

    @property
    def sla_breached(self) -> bool:
        return bool(self.is_open and self.sla_due_at and self.sla_due_at < timezone.now())


class IssueReason(models.TextChoices):
    INVALID_VIN = "invalid_vin", "Invalid VIN"
    CHECK_DIGIT = "check_digit", "Wrong check digit"
    MISSING_VIN = "missing_vin", "Missing VIN"
    DUPLICATE_VIN = "duplicate_vin", "Duplicate VIN"
    MISSING_ORDER = "missing_order", "Missing order number"
    DUPLICATE_ORDER = "duplicate_order", "Duplicate order number"
    INVALID_VALUE = "invalid_value", "Unreadable number or date"


class FeedIssue(models.Model):
    """An invalid, duplicate or suspicious row of a feed import (kept, shown, never a vehicle)."""

    feed_import = models.ForeignKey(FeedImport, on_delete=models.CASCADE, related_name="issues")
    line_number = models.PositiveIntegerField()
    raw_value = models.CharField(max_length=200, blank=True)
    reason = models.CharField(max_length=20, choices=IssueReason.choices, db_index=True)
    message = models.CharField(max_length=300)
    is_warning = models.BooleanField(default=False, help_text="The row was still imported.")

    class Meta:
        ordering = ["feed_import", "line_number"]

    def __str__(self):
        return f"line {self.line_number}: {self.reason}"


class MatchState(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"


class ProbableMatch(models.Model):
    """A vAuto listing that is probably a CDK vehicle under a mistyped or shortened VIN."""

    listing_key = models.CharField(max_length=60, help_text="vAuto key: VIN or vin8:... .")
    listing_vin = models.CharField(max_length=17, blank=True, db_index=True)
    vehicle_vin = models.CharField(max_length=17, db_index=True, help_text="The CDK VIN.")
    reason = models.CharField(max_length=20)
    stock_number = models.CharField(max_length=30, blank=True)
    store = models.CharField(max_length=60, blank=True)
    state = models.CharField(max_length=10, choices=MatchState.choices, default="suggested")
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name_plural = "probable matches"
        constraints = [
            models.UniqueConstraint(fields=["listing_key", "vehicle_vin"], name="inv_match_pair")
        ]

    def __str__(self):
        return f"{self.listing_key} ≈ {self.vehicle_vin}"


class VinAlias(models.Model):
    """A confirmed match: rows of ``source`` keyed ``from_key`` are the vehicle ``vin``."""

    source = models.CharField(max_length=10, choices=Source.choices)
    from_key = models.CharField(max_length=60)
    vin = models.CharField(max_length=17)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "VIN aliases"
        constraints = [models.UniqueConstraint(fields=["source", "from_key"], name="inv_alias_key")]

    def __str__(self):
        return f"{self.source}:{self.from_key} → {self.vin}"


class InventorySettings(models.Model):
    """Rates and SLAs, edited in the admin (one row)."""

    floorplan_monthly_rate = models.DecimalField(
        max_digits=6,
        decimal_places=4,
        default=0.015,
        help_text="Monthly floorplan interest as a fraction of cost (0.015 = 1.5%).",
    )
    oem_at_risk_share = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        default=1,
        help_text="Share of an OEM allocation's MSRP counted at risk (1 = all of it).",
    )
    sla_critical_days = models.PositiveSmallIntegerField(default=1)
    sla_high_days = models.PositiveSmallIntegerField(default=3)
    sla_medium_days = models.PositiveSmallIntegerField(default=7)

    class Meta:
        verbose_name = verbose_name_plural = "inventory settings"

    def __str__(self):
        return "Inventory settings"

    @classmethod
    def load(cls) -> "InventorySettings":
        obj = cls.objects.order_by("pk").first()
        return obj or cls.objects.create()

    def sla_days(self, priority: str) -> int:
        return {
            Priority.CRITICAL: self.sla_critical_days,
            Priority.HIGH: self.sla_high_days,
            Priority.MEDIUM: self.sla_medium_days,
        }[priority]


class DirtyVin(models.Model):
    """A VIN whose source rows changed since the last reconciliation (queue, consumed by it)."""

    vin = models.CharField(max_length=17)

    class Meta:
        verbose_name = "dirty VIN"

    def __str__(self):
        return self.vin


class RunLock(models.Model):
    """A claimed lock row: ``holder`` is set by a conditional update, so two runs never overlap."""

    name = models.CharField(max_length=40, primary_key=True)
    holder = models.CharField(max_length=60, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name}: {self.holder or 'free'}"


class FeedUpload(models.Model):
    """A clerk's upload from the admin: previewed, then imported by a background task."""

    class State(models.TextChoices):
        PREVIEW = "preview", "Previewed"
        QUEUED = "queued", "Queued"
        DONE = "done", "Imported"
        REJECTED = "rejected", "Rejected"

    source = models.CharField(max_length=10, choices=Source.choices)
    store = models.CharField(max_length=60, blank=True, help_text="Only this store's part.")
    file = models.FileField(upload_to="inventory/uploads/")
    state = models.CharField(max_length=10, choices=State.choices, default="preview")
    preview = models.JSONField(default=dict, blank=True)
    feed_import = models.ForeignKey(
        FeedImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.source} upload #{self.pk}"
