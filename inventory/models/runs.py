"""Runs and their plumbing: feed imports, reconciliations, uploads, the lock, the dirty queue."""

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
    vehicles = models.PositiveIntegerField(
        default=0,
        help_text="Distinct valid VINs. OEM orders with no VIN yet and vAuto VIN 8 rows are "
        "kept in the snapshot too, but are no vehicle.",
    )
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
        return f"{self.get_source_display()} import #{self.pk} ({self.status_label.lower()})"


class ReconciliationRun(RunBase):
    """One reconciliation of the four sources; counts and money as of that run."""

    vehicles = models.PositiveIntegerField(default=0)
    aligned = models.PositiveIntegerField(default=0)
    pending_oem = models.PositiveIntegerField(
        "pending OEM", default=0, help_text="OEM orders with no VIN yet."
    )
    oem_not_in_cdk = models.PositiveIntegerField("OEM not in CDK", default=0)
    not_marketed = models.PositiveIntegerField(default=0)
    ghost_listing = models.PositiveIntegerField(default=0)
    no_tracking = models.PositiveIntegerField(default=0)
    oem_at_risk = models.DecimalField("OEM at risk", max_digits=16, decimal_places=2, default=0)
    not_marketed_value = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    floorplan_monthly = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    untracked_value = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    matrix = models.JSONField(default=dict, blank=True)
    sources = models.JSONField(default=dict, blank=True, help_text="Vehicles present per source.")
    by_store = models.JSONField(default=dict, blank=True, help_text="Open exceptions per store.")
    open_by_priority = models.JSONField(
        default=dict,
        blank=True,
        help_text="Open exceptions per priority at the end of the run: how many, how many "
        "already past their SLA, and the SLA due times still ahead with their counts.",
    )

    class Meta(RunBase.Meta):
        permissions = [("view_dashboard", "Can view the inventory dashboard")]

    def __str__(self):
        return f"Reconciliation #{self.pk} ({self.status})"

    @property
    def aligned_pct(self) -> float:
        return round(100.0 * self.aligned / self.vehicles, 2) if self.vehicles else 0.0


class FeedUpload(models.Model):
    """A clerk's upload from the admin: previewed, then imported by a background task."""

    class State(models.TextChoices):
        PREVIEW = "preview", "Previewed"
        QUEUED = "queued", "Queued"
        DONE = "done", "Imported"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed (see its import)"

    source = models.CharField(max_length=10, choices=Source.choices)
    store = models.CharField(max_length=60, blank=True, help_text="Only this store's part.")
    file = models.FileField(upload_to="inventory/uploads/")
    state = models.CharField(max_length=10, choices=State.choices, default="preview")
    preview = models.JSONField(default=dict, blank=True)
    # The previewed temporary file the confirm queued: unique, so a confirm sent twice at
    # once (a double click) queues one import.
    preview_file = models.CharField(max_length=100, null=True, blank=True, unique=True)
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


class RunLock(models.Model):
    """A claimed lock row: ``holder`` is set by a conditional update, so two runs never overlap."""

    name = models.CharField(max_length=40, primary_key=True)
    holder = models.CharField(max_length=60, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.name}: {self.holder or 'free'}"


class DirtyVin(models.Model):
    """A VIN whose source rows changed since the last reconciliation (queue, consumed by it).

    ``EVERY`` stands for all of them: a source loaded whole into the table (a first load,
    see ``inventory.feeds.pg_stream``) queues one row instead of each of its VINs, and the
    next reconciliation recomputes every vehicle.
    """

    EVERY = "*"

    vin = models.CharField("VIN", max_length=17)

    class Meta:
        verbose_name = "dirty VIN"

    def __str__(self):
        return self.vin
