from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class SalesSettings(models.Model):
    """Every threshold the sales analytics use; one row, edited by managers in the admin."""

    as_of_date = models.DateField(
        null=True,
        blank=True,
        help_text="The 'as of' date of every page. Empty: the latest order date in the data.",
    )
    excluded_statuses = models.CharField(
        max_length=200,
        default="Cancelled",
        blank=True,
        help_text="Comma-separated order statuses left out of revenue and every KPI.",
    )
    credit_ratio = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal("2"),
        validators=[MinValueValidator(Decimal("1"))],
        help_text="Over-credited: credit limit ≥ ratio × revenue; under-credited: revenue ≥ "
        "ratio × credit limit.",
    )
    overdue_days = models.PositiveIntegerField(
        default=60, help_text="A customer is overdue when days since the last order exceed this."
    )
    churn_days = models.PositiveIntegerField(
        default=180, help_text="Churn risk when days since the last order exceed this."
    )
    demand_trend_pct = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        default=Decimal("15"),
        help_text="Product demand is growing/declining when units change by at least this %.",
    )
    demand_window_days = models.PositiveIntegerField(
        default=365,
        validators=[MinValueValidator(1)],
        help_text="Demand trend compares the last N days up to the as-of date with the N before.",
    )
    crosssell_min_orders = models.PositiveIntegerField(
        default=10,
        validators=[MinValueValidator(1)],
        help_text="Cross-sell pairs must appear together in at least this many orders.",
    )
    crosssell_window_days = models.PositiveIntegerField(
        default=365,
        help_text="Without a year selected, cross-sell reads orders of the last N days up to "
        "the as-of date (recent baskets; 0 = all history).",
    )
    abc_a_pct = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        default=Decimal("70"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Class A while the cumulative revenue share before the item is below this %.",
    )
    abc_b_pct = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        default=Decimal("90"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Class B while the cumulative share before the item is below this % (else C).",
    )
    rfm_top_min = models.PositiveSmallIntegerField(default=13, help_text="RFM total for 'Top'.")
    rfm_high_min = models.PositiveSmallIntegerField(default=10, help_text="RFM total for 'High'.")
    rfm_mid_min = models.PositiveSmallIntegerField(
        default=7, help_text="RFM total for 'Mid' (below: 'Low')."
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "sales settings"
        verbose_name_plural = "sales settings"
        permissions = [("view_dashboard", "Can view the sales dashboards")]

    def __str__(self):
        return "Sales analytics settings"

    @property
    def excluded_status_list(self) -> list[str]:
        return [s.strip() for s in self.excluded_statuses.split(",") if s.strip()]

    @classmethod
    def current(cls) -> "SalesSettings":
        """The settings row (created with the defaults on first use)."""
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj
