from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone


class Metric(models.Model):
    """One measured value of one run: the time series the health score and alerts read."""

    source = models.CharField(
        max_length=40,
        db_index=True,
        help_text="What produced it: 'invoices.ingest', 'inventory.feed', 'inventory.reconcile'.",
    )
    run_id = models.BigIntegerField(null=True, blank=True, help_text="The run row's id.")
    name = models.CharField(max_length=60)
    value = models.DecimalField(max_digits=20, decimal_places=4)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["source", "name", "recorded_at"])]
        permissions = [("view_dashboard", "Can view the monitoring dashboard")]

    def __str__(self):
        return f"{self.source} {self.name}={self.value} @ {self.recorded_at:%Y-%m-%d %H:%M}"


class Severity(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"


# The longest window a rule may look back over: 90 days, as the health window (a window of
# thousands of years reached before year 1, and the rule failed at every evaluation).
RULE_MAX_WINDOW_HOURS = 90 * 24

SEVERITY_RANK = {Severity.CRITICAL: 0, Severity.HIGH: 1, Severity.MEDIUM: 2}


class RuleKind(models.TextChoices):
    """The alert rules FleetOps knows; each is evaluated by ``monitoring.alerts``."""

    ERROR_RATE = "invoice_error_rate", "Invoice error rate too high"
    DATA_QUALITY = "invoice_data_quality", "Invoice data quality too low"
    INGEST_STALE = "invoice_ingest_stale", "No invoice ingestion"
    RECORDS_PENDING = "invoice_records_pending", "Invoices pending too long"
    FEED_MISSING = "feed_missing", "Source feed missing today"
    RECONCILE_STALE = "reconcile_stale", "Reconciliation not run"
    CRITICAL_EXCEPTIONS_UP = "critical_exceptions_up", "Critical inventory exceptions up"
    INVOICE_VOLUME_DROP = "invoice_volume_drop", "Invoices ingested today dropped"
    RUN_FAILED = "run_failed", "Last run failed"


class AlertRule(models.Model):
    """One alert rule's editable settings (seeded by a data migration, edited in the admin)."""

    kind = models.CharField(max_length=40, choices=RuleKind.choices, unique=True)
    enabled = models.BooleanField(default=True)
    severity = models.CharField(max_length=10, choices=Severity.choices, default=Severity.HIGH)
    threshold = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="The rule's limit; its unit is given in the description (% or hours).",
    )
    window_hours = models.PositiveIntegerField(
        default=24,
        validators=[MaxValueValidator(RULE_MAX_WINDOW_HOURS)],
        help_text=(
            f"How far back the rule looks, in hours (where it applies), at most "
            f"{RULE_MAX_WINDOW_HOURS} (90 days)."
        ),
    )
    not_before_hour = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(23)],
        help_text=(
            "Daily expectations (feeds, today's invoices) are only checked from this local "
            "hour (America/Chicago, 0-23), so the morning's data has time to arrive."
        ),
    )
    description = models.TextField(blank=True, help_text="What the rule checks, in plain words.")

    class Meta:
        ordering = ["kind"]

    def __str__(self):
        return self.get_kind_display()


class AlertQuerySet(models.QuerySet):
    def active(self):
        """Open or acknowledged: the condition still holds."""
        return self.exclude(status=Alert.Status.RESOLVED)

    def open(self):
        return self.filter(status=Alert.Status.OPEN)

    def by_severity(self):
        rank = models.Case(
            *(models.When(severity=s, then=models.Value(r)) for s, r in SEVERITY_RANK.items()),
            default=models.Value(9),
        )
        return self.alias(severity_rank=rank).order_by("severity_rank", "-opened_at", "-id")


class Alert(models.Model):
    """One occurrence of a rule's condition for one subject, from opening to resolution."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        ACKNOWLEDGED = "acknowledged", "Acknowledged"
        RESOLVED = "resolved", "Resolved"

    kind = models.CharField(max_length=40, choices=RuleKind.choices, db_index=True)
    subject = models.CharField(
        max_length=60, blank=True, help_text="What the alert is about, e.g. a feed source."
    )
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.OPEN, db_index=True
    )
    message = models.CharField(max_length=300)
    value = models.DecimalField(
        max_digits=20, decimal_places=4, null=True, blank=True, help_text="Measured value."
    )
    threshold = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    opened_at = models.DateTimeField(default=timezone.now, db_index=True)
    last_seen_at = models.DateTimeField(
        default=timezone.now, help_text="Last evaluation that found the condition true."
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the Managers were e-mailed (once per alert)."
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        ordering = ["-opened_at", "-id"]
        permissions = [("acknowledge_alert", "Can acknowledge alerts")]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "subject"],
                condition=~models.Q(status="resolved"),
                name="monitoring_alert_one_active_per_rule_subject",
            )
        ]

    def __str__(self):
        return f"[{self.severity}] {self.message}"
