"""Source snapshots, vehicles, feed issues and probable matches."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from inventory.models.runs import FeedImport, Source


class SourceRecordQuerySet(models.QuerySet):
    def for_vin(self, vin: str):
        """The rows of ``vin`` in each source: a row with a VIN has it as its ``key`` (the
        ``order:`` and ``vin8:`` keys are for rows with none), so the unique index finds them."""
        return self.filter(key=vin, vin=vin)


class SourceRecord(models.Model):
    """One row of a source's current snapshot (replaced by every import of that source).

    ``key`` is the natural key inside the source: the VIN, ``order:<number>`` for an OEM
    order with no VIN yet, or ``vin8:<last 8>:<stock>`` for vAuto's VIN-8 exports.
    """

    source = models.CharField(max_length=10, choices=Source.choices)
    key = models.CharField(max_length=60)
    vin = models.CharField("VIN", max_length=17, blank=True)
    vin8 = models.CharField("VIN 8", max_length=8, blank=True)
    store = models.CharField(max_length=60, blank=True)
    stock_number = models.CharField(max_length=30, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    make = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=60, blank=True)
    trim = models.CharField(max_length=60, blank=True)
    category = models.CharField(max_length=20, blank=True, help_text="New, used, certified...")
    cost = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    msrp = models.DecimalField("MSRP", max_digits=12, decimal_places=2, null=True, blank=True)
    status = models.CharField(max_length=40, blank=True)
    extra = models.CharField(
        max_length=120, blank=True, help_text="Device id, order number, photos, age..."
    )
    line_number = models.PositiveIntegerField(default=0)
    raw_line = models.TextField(blank=True, help_text="The row as the source sent it.")
    feed_import = models.ForeignKey(
        FeedImport, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False, db_constraint=False, help_text="The import that last changed this row.",
    )  # fmt: skip
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(
        default=timezone.now, help_text="When the row last changed in the source."
    )

    objects = SourceRecordQuerySet.as_manager()

    class Meta:
        # One index only, built in a second at a million rows after a first load (see
        # inventory.feeds.pg_stream): the key first, so that it serves lookups by VIN as
        # well (see ``for_vin``). On PostgreSQL ``key`` sorts in byte order (migration
        # 0016: COLLATE "C"; keys are ASCII), which builds the index about three times
        # faster than a locale's collation. Source-wide statements (a snapshot's deletes,
        # a store's part) read the table whole, as they would anyway.
        # feed_import: no database constraint, so a million-row import does not queue a
        # deferred foreign-key check per row (Django still sets it to NULL when an import
        # row is deleted).
        constraints = [
            models.UniqueConstraint(fields=["key", "source"], name="inv_source_record_key")
        ]

    def __str__(self):
        return f"{self.source}:{self.key}"


class Vehicle(models.Model):
    """One vehicle per normalised VIN, with its presence in each source (set by reconcile)."""

    vin = models.CharField("VIN", max_length=17, help_text="Normalised: 17 characters.")
    store = models.CharField(max_length=60, blank=True)
    stock_number = models.CharField(max_length=30, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    make = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=60, blank=True)
    trim = models.CharField(max_length=60, blank=True)
    category = models.CharField(max_length=20, blank=True)
    cost = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text="CDK dealer cost."
    )
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    msrp = models.DecimalField("MSRP", max_digits=12, decimal_places=2, null=True, blank=True)
    in_cdk = models.BooleanField("in CDK", default=False)
    in_vauto = models.BooleanField("in vAuto", default=False)
    in_lojack = models.BooleanField("in LoJack", default=False)
    in_oem = models.BooleanField("in OEM", default=False)
    combo = models.CharField(max_length=4, blank=True, help_text="Present sources: C, V, L, O.")
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(
        default=timezone.now,
        help_text="Set when the vehicle leaves the last snapshot it was in (a reconciliation "
        "writes only what changed); while it is in one, it is in the current snapshots.",
    )

    class Meta:
        ordering = ["vin"]
        permissions = [("export_vehicle", "Can export vehicles")]
        # A reconciliation writes every vehicle whose presence changed (a quarter of a
        # million a day at a million vehicles), each into every index: plain indexes only
        # where a page or search reads. The VIN is unique by a constraint, not
        # ``unique=True`` (which adds a LIKE twin index on PostgreSQL): ``vin`` is COLLATE
        # "C" there (migration 0017), so the one B-tree serves equality, prefix searches
        # and the list's order. (Any later AlterField of ``vin`` must keep that collation.)
        constraints = [models.UniqueConstraint(fields=["vin"], name="inv_vehicle_vin")]
        indexes = [
            models.Index(fields=["stock_number"], name="inv_vehicle_stock"),
            models.Index(fields=["combo"], name="inv_vehicle_combo"),
        ]

    def __str__(self):
        return self.vin


class IssueReason(models.TextChoices):
    INVALID_VIN = "invalid_vin", "Invalid VIN"
    CHECK_DIGIT = "check_digit", "Wrong check digit"
    MISSING_VIN = "missing_vin", "Missing VIN"
    DUPLICATE_VIN = "duplicate_vin", "Duplicate VIN"
    MISSING_ORDER = "missing_order", "Missing order number"
    DUPLICATE_ORDER = "duplicate_order", "Duplicate order number"
    INVALID_VALUE = "invalid_value", "Unreadable number or date"
    EXTRA_CELLS = "extra_cells", "More cells than headers"
    OTHER_STORE = "other_store", "Another store's row"


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
        permissions = [("export_feedissue", "Can export feed issues (CSV)")]

    def __str__(self):
        return f"line {self.line_number}: {self.reason}"


class MatchState(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    CONFIRMED = "confirmed", "Confirmed"
    DISMISSED = "dismissed", "Dismissed"


class ProbableMatch(models.Model):
    """A vAuto listing that is probably a CDK vehicle under a mistyped or shortened VIN."""

    listing_key = models.CharField(max_length=60, help_text="vAuto key: VIN or vin8:... .")
    listing_vin = models.CharField("listing VIN", max_length=17, blank=True, db_index=True)
    vehicle_vin = models.CharField(
        "vehicle VIN", max_length=17, db_index=True, help_text="The CDK VIN."
    )
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
    vin = models.CharField("VIN", max_length=17)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "VIN aliases"
        constraints = [models.UniqueConstraint(fields=["source", "from_key"], name="inv_alias_key")]

    def __str__(self):
        return f"{self.source}:{self.from_key} → {self.vin}"
