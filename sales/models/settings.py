from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

# The order statuses of the classicmodels data (its README): an excluded status may name
# one of these even when no order carries it yet, or any status the loaded orders carry.
CLASSICMODELS_STATUSES = ("Shipped", "In Process", "Cancelled", "Resolved", "On Hold", "Disputed")
# Every field is read afresh by each sales page, CSV download and API call.
NEXT_LOAD = " Takes effect at the next load of a sales page (no restart, no re-import)."
# An RFM total is three scores of 1-5 (recency, frequency, monetary).
RFM_TOTAL = [MinValueValidator(3), MaxValueValidator(15)]


class SalesSettings(models.Model):
    """Every threshold the sales analytics use; one row, edited by managers in the admin."""

    as_of_date = models.DateField(
        "as-of date",
        null=True,
        blank=True,
        help_text="The 'as of' date of every page: orders placed after it count nowhere. "
        "Empty: the latest order date in the data." + NEXT_LOAD,
    )
    excluded_statuses = models.CharField(
        "excluded order statuses",
        max_length=200,
        default="Cancelled",
        blank=True,
        help_text="Comma-separated order statuses left out of revenue and every KPI, spelled "
        f"as the orders carry them ({', '.join(CLASSICMODELS_STATUSES)}); empty: none "
        "left out." + NEXT_LOAD,
    )
    credit_ratio = models.DecimalField(
        "credit ratio",
        max_digits=6,
        decimal_places=2,
        default=Decimal("2"),
        validators=[MinValueValidator(Decimal("1"))],
        help_text="Over-credited: credit limit ≥ ratio × revenue; under-credited: revenue ≥ "
        "ratio × credit limit (Risks page; at least 1)." + NEXT_LOAD,
    )
    overdue_days = models.PositiveIntegerField(
        "overdue after (days)",
        default=60,
        help_text="A customer is overdue when the days since their last order exceed this "
        "(Opportunities page)." + NEXT_LOAD,
    )
    churn_days = models.PositiveIntegerField(
        "churn risk after (days)",
        default=180,
        help_text="A customer is a churn risk when the days since their last order exceed "
        "this (Opportunities page)." + NEXT_LOAD,
    )
    demand_trend_pct = models.DecimalField(
        "demand trend threshold (%)",
        max_digits=5,
        decimal_places=1,
        default=Decimal("15"),
        validators=[MinValueValidator(0)],
        help_text="A product's demand is growing (declining) when its units rise (fall) by "
        "at least this % between the two windows." + NEXT_LOAD,
    )
    demand_window_days = models.PositiveIntegerField(
        "demand trend window (days)",
        default=365,
        validators=[MinValueValidator(1)],
        help_text="The demand trend compares the units of the last N days up to the as-of "
        "date with the N days before." + NEXT_LOAD,
    )
    crosssell_min_orders = models.PositiveIntegerField(
        "cross-sell: minimum orders together",
        default=10,
        validators=[MinValueValidator(1)],
        help_text="A cross-sell pair of products is listed only when both appear together "
        "in at least this many orders." + NEXT_LOAD,
    )
    crosssell_window_days = models.PositiveIntegerField(
        "cross-sell window (days)",
        default=365,
        help_text="Without a year selected, cross-sell reads orders of the last N days up to "
        "the as-of date (recent baskets; 0 = all history)." + NEXT_LOAD,
    )
    abc_a_pct = models.DecimalField(
        "ABC: class A cut-off (%)",
        max_digits=5,
        decimal_places=1,
        default=Decimal("70"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Items ranked by revenue: class A while the cumulative revenue share "
        "before the item is below this %. Above 0 and below the class B cut-off." + NEXT_LOAD,
    )
    abc_b_pct = models.DecimalField(
        "ABC: class B cut-off (%)",
        max_digits=5,
        decimal_places=1,
        default=Decimal("90"),
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text="Class B while the cumulative share before the item is below this % "
        "(else C). Above the class A cut-off, at most 100." + NEXT_LOAD,
    )
    rfm_top_min = models.PositiveSmallIntegerField(
        "RFM: minimum total for Top",
        default=13,
        validators=RFM_TOTAL,
        help_text="A customer's RFM total (3-15) at or above this is 'Top'. Above the High "
        "minimum." + NEXT_LOAD,
    )
    rfm_high_min = models.PositiveSmallIntegerField(
        "RFM: minimum total for High",
        default=10,
        validators=RFM_TOTAL,
        help_text="RFM total (3-15) at or above this and below the Top minimum: 'High'. "
        "Between the Mid and Top minimums." + NEXT_LOAD,
    )
    rfm_mid_min = models.PositiveSmallIntegerField(
        "RFM: minimum total for Mid",
        default=7,
        validators=RFM_TOTAL,
        help_text="RFM total (3-15) at or above this and below the High minimum: 'Mid'; "
        "below it: 'Low'. Below the High minimum." + NEXT_LOAD,
    )
    updated_at = models.DateTimeField("last changed", auto_now=True)

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

    @staticmethod
    def known_statuses() -> list[str]:
        """The statuses an exclusion may name: the classicmodels ones, then any other the
        loaded orders carry (sorted)."""
        from sales.models.tables import Order

        in_data = set(Order.objects.values_list("status", flat=True).distinct().order_by())
        return [*CLASSICMODELS_STATUSES, *sorted(in_data - set(CLASSICMODELS_STATUSES))]

    def clean(self):
        """Refuse settings under which a figure would be silently wrong: a class or tier that
        can never hold anyone, an excluded status no order can carry (a typo counted the
        orders it meant to leave out)."""
        super().clean()
        errors: dict[str, list[str]] = {}
        self._clean_abc(errors)
        self._clean_rfm(errors)
        self._clean_excluded_statuses(errors)
        if errors:
            raise ValidationError(errors)

    def _clean_abc(self, errors: dict) -> None:
        a, b = self.abc_a_pct, self.abc_b_pct
        if a is None or b is None:  # a field error of its own already
            return
        if a <= 0:
            errors.setdefault("abc_a_pct", []).append(
                "The class A cut-off must be above 0%: at 0 no item is ever class A."
            )
        if a >= b:
            errors.setdefault("abc_b_pct", []).append(
                f"The class B cut-off ({b}%) must be above the class A cut-off ({a}%): "
                "otherwise class B is always empty."
            )

    def _clean_rfm(self, errors: dict) -> None:
        top, high, mid = self.rfm_top_min, self.rfm_high_min, self.rfm_mid_min
        if top is not None and high is not None and high >= top:
            errors.setdefault("rfm_high_min", []).append(
                f"The High minimum ({high}) must be below the Top minimum ({top}): otherwise "
                "no customer is ever High."
            )
        if high is not None and mid is not None and mid >= high:
            errors.setdefault("rfm_mid_min", []).append(
                f"The Mid minimum ({mid}) must be below the High minimum ({high}): otherwise "
                "no customer is ever Mid."
            )

    def _clean_excluded_statuses(self, errors: dict) -> None:
        """Each status must be one an order can carry; one written in another case is
        stored in the known spelling (the exclusion compares exactly)."""
        known = self.known_statuses()
        by_fold = {}
        for status in known:
            by_fold.setdefault(status.casefold(), status)
        chosen, unknown = [], []
        for status in self.excluded_status_list:
            spelled = status if status in known else by_fold.get(status.casefold())
            if spelled is None:
                unknown.append(status)
            elif spelled not in chosen:
                chosen.append(spelled)
        if unknown:
            names = ", ".join(f"“{s}”" for s in unknown)
            errors.setdefault("excluded_statuses", []).append(
                f"Unknown order status {names}: no order can carry it, so nothing would be "
                f"excluded. Known statuses: {', '.join(known)}."
            )
        else:  # never longer than typed: "a,b" stays without the space if it must
            joined = ", ".join(chosen)
            limit = self._meta.get_field("excluded_statuses").max_length
            self.excluded_statuses = joined if len(joined) <= limit else ",".join(chosen)
