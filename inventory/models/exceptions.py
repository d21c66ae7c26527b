"""Inventory exceptions, their lifecycle states, priorities and the settings (rates, SLAs)."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from inventory.models.runs import ReconciliationRun
from inventory.models.vehicles import Vehicle


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
# each kind's short name, where its full label (with the sources in brackets) is too
# long: the dashboard's cards and charts, the admin list's column
KIND_SHORT_LABELS = {
    ExceptionKind.OEM_NOT_IN_CDK: "OEM not in CDK",
    ExceptionKind.NOT_MARKETED: "Not marketed",
    ExceptionKind.GHOST_LISTING: "Ghost listing",
    ExceptionKind.NO_TRACKING: "No tracking",
}


class ExceptionState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    SNOOZED = "snoozed", "Snoozed"
    RESOLVED = "resolved", "Resolved"
    CLEARED = "cleared", "Cleared by feed"


OPEN_STATES = (ExceptionState.OPEN, ExceptionState.ACKNOWLEDGED, ExceptionState.SNOOZED)
# the condition of the partial indexes on open work (as the filters write it)
OPEN_Q = models.Q(state__in=["open", "acknowledged", "snoozed"])


class InventoryExceptionQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_STATES)

    def breached(self, now=None):
        return self.open().filter(sla_due_at__lt=now or timezone.now())


class InventoryException(models.Model):
    """A vehicle out of step between sources: one row per (VIN, kind), reopened if it recurs."""

    # No database constraint either (as for last_event_run below): a first reconciliation
    # opens ~500k exceptions and PostgreSQL checked the deferred key once per row at
    # commit. Django still cascades a vehicle's delete; the reconciliation never deletes.
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.CASCADE, related_name="exceptions", db_index=False,
        db_constraint=False,
    )  # fmt: skip
    vin = models.CharField("VIN", max_length=17)
    stock_number = models.CharField(max_length=30, blank=True)
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
    sla_due_at = models.DateTimeField("SLA due at", null=True, blank=True)
    close_reason = models.CharField(max_length=40, blank=True)
    times_reopened = models.PositiveIntegerField(default=0)
    last_event = models.CharField(max_length=20, blank=True)
    # No database constraint: PostgreSQL checks a deferred foreign key once per row written
    # at commit, and a reconciliation writes this key on every exception it opens, clears
    # or reopens (measured: ~1/3 of the time of such an UPDATE of 90k rows). Django still
    # sets it to NULL when a run is deleted; runs are only created by the reconciliation.
    last_event_run = models.ForeignKey(
        ReconciliationRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        db_index=False, db_constraint=False,
    )  # fmt: skip
    # The staff keys have no database constraint either: PostgreSQL queues a deferred
    # check per row inserted (even with the key NULL), ~1.6 s for the ~500k exceptions a
    # first reconciliation opens. Django still sets them to NULL when a user is deleted.
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        db_constraint=False,
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
        # Every index is paid for by each exception a reconciliation opens, clears or
        # reopens (hundreds of thousands at a million vehicles): only those pages and the
        # reconciliation read. A clear changes ``state``, so PostgreSQL writes the row's new
        # version into every index whose rows it still matches: the lists of open or triaged
        # work use indexes partial on those states (a cleared row leaves them), and only
        # four take every row (primary key, (vin, kind), the list order, the stock number).
        # Equality and prefix searches on the VIN use the (vin, kind) constraint (``vin`` is
        # COLLATE "C" on PostgreSQL, migration 0017: a plain B-tree serves LIKE 'prefix%').
        # The user keys are indexed only where set. (No index on the run: the
        # reconciliation audits from its UPDATEs' RETURNING.)
        indexes = [
            # "All" and "Cleared by feed", in the list's order
            models.Index(fields=["sla_due_at", "id"], name="inv_exc_sla_order"),
            models.Index(fields=["stock_number"], name="inv_exc_stock"),
            # the open work (the list's default, SLA breached), in the list's order
            models.Index(
                fields=["sla_due_at", "id"], name="inv_exc_open_sla", condition=OPEN_Q
            ),
            # open work by priority (filter, dashboard counts)
            models.Index(
                fields=["priority", "sla_due_at", "id"], name="inv_exc_open_prio",
                condition=OPEN_Q,
            ),
            # the kind filter on the open work, in the list's order: a kind whose SLA comes
            # late (no tracking, 7 days) was found only past the others (~180k rows at 1M)
            models.Index(
                fields=["kind", "sla_due_at", "id"], name="inv_exc_open_kind",
                condition=OPEN_Q,
            ),
            # the age buckets of the open work (a bucket with few rows or none was a walk
            # through all the open work in the list's order)
            models.Index(fields=["opened_at"], name="inv_exc_open_age", condition=OPEN_Q),
            # the store filter on the open work, in the list's order (page and bounded count)
            models.Index(
                fields=["store", "sla_due_at", "id"], name="inv_exc_open_store",
                condition=OPEN_Q,
            ),
            # the states staff set (few rows): acknowledged, snoozed, resolved
            models.Index(
                fields=["state", "sla_due_at", "id"], name="inv_exc_triaged",
                condition=models.Q(state__in=["acknowledged", "snoozed", "resolved"]),
            ),
            models.Index(
                fields=["assigned_to"], name="inv_exc_assigned",
                condition=models.Q(assigned_to__isnull=False),
            ),
            models.Index(
                fields=["resolved_by"], name="inv_exc_resolved_by",
                condition=models.Q(resolved_by__isnull=False),
            ),
        ]  # fmt: skip
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


# When a change of the settings shows: the reconciliation reads them (README, "reconcile").
NEXT_RECONCILIATION = (
    " Takes effect at the next reconciliation (daily at 06:00 America/Chicago, or "
    "sooner with “Reconcile now” on the exceptions list, for triage staff)."
)
FLOORPLAN_RATE_MAX = Decimal("0.10")  # 10% a month: far above any real floorplan rate


class InventorySettings(models.Model):
    """Rates and SLAs, edited in the admin (one row)."""

    floorplan_monthly_rate = models.DecimalField(
        "floorplan monthly rate (fraction of cost)",
        max_digits=6,
        decimal_places=4,
        default=0.015,
        validators=[
            MinValueValidator(0),
            MaxValueValidator(
                FLOORPLAN_RATE_MAX,
                message="At most 0.10 (10%% a month): the rate is a fraction of cost, "
                "0.015 = 1.5%% a month, not a percentage.",
            ),
        ],
        help_text="Monthly floorplan interest as a fraction of dealer cost (0.015 = 1.5% a "
        "month; 0 to 0.10), pricing the not-marketed vehicles on the dashboard."
        + NEXT_RECONCILIATION,
    )
    oem_at_risk_share = models.DecimalField(
        "OEM at-risk share",
        max_digits=5,
        decimal_places=4,
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text="Share of an OEM allocation's MSRP counted at risk (0 to 1; 1 = all of it)."
        + NEXT_RECONCILIATION,
    )
    sla_critical_days = models.PositiveSmallIntegerField(
        "SLA days: critical",
        default=1,
        validators=[MinValueValidator(1)],
        help_text="Days after it opens before a CRITICAL exception is past its SLA (at least "
        "1, at most the high SLA). Exceptions opened or reopened from the next "
        "reconciliation on get it; open ones keep their due date." + NEXT_RECONCILIATION,
    )
    sla_high_days = models.PositiveSmallIntegerField(
        "SLA days: high",
        default=3,
        validators=[MinValueValidator(1)],
        help_text="Days after it opens before a HIGH exception is past its SLA (between the "
        "critical and medium SLAs). Exceptions opened or reopened from the next "
        "reconciliation on get it; open ones keep their due date." + NEXT_RECONCILIATION,
    )
    sla_medium_days = models.PositiveSmallIntegerField(
        "SLA days: medium",
        default=7,
        validators=[MinValueValidator(1)],
        help_text="Days after it opens before a MEDIUM exception is past its SLA (at least "
        "the high SLA). Exceptions opened or reopened from the next reconciliation on get "
        "it; open ones keep their due date." + NEXT_RECONCILIATION,
    )

    class Meta:
        verbose_name = verbose_name_plural = "inventory settings"

    def __str__(self):
        return "Inventory settings"

    @classmethod
    def load(cls) -> "InventorySettings":
        obj = cls.objects.order_by("pk").first()
        if obj is None:  # first use: the defaults as stored (Decimal, not the float literal)
            obj = cls.objects.create()
            obj.refresh_from_db()
        return obj

    def clean(self):
        """The SLAs follow the priorities: a critical exception is never given longer than
        a high one, nor a high one longer than a medium one."""
        super().clean()
        critical, high, medium = self.sla_critical_days, self.sla_high_days, self.sla_medium_days
        errors = {}
        if critical is not None and high is not None and critical > high:
            errors["sla_critical_days"] = (
                f"The critical SLA ({critical} days) must not be longer than the high SLA "
                f"({high} days): critical exceptions would be due after high ones."
            )
        if high is not None and medium is not None and high > medium:
            errors["sla_high_days"] = (
                f"The high SLA ({high} days) must not be longer than the medium SLA "
                f"({medium} days): high exceptions would be due after medium ones."
            )
        if errors:
            raise ValidationError(errors)

    def sla_days(self, priority: str) -> int:
        return {
            Priority.CRITICAL: self.sla_critical_days,
            Priority.HIGH: self.sla_high_days,
            Priority.MEDIUM: self.sla_medium_days,
        }[priority]
