from django.db import models

from fleetops.models import RunBase


class LoadRun(RunBase):
    """One ``load_classicmodels`` run: rows loaded and removed per table, exclusions, errors."""

    directory = models.CharField(max_length=500)
    rows = models.JSONField(
        default=dict, blank=True, help_text="CSV rows loaded (upserted) per table."
    )
    removed = models.JSONField(
        default=dict,
        blank=True,
        help_text="Rows deleted per table: in the database, not in the table's file.",
    )
    excluded_orders = models.PositiveIntegerField(
        default=0, help_text="Orders loaded with a missing order date."
    )
    problems = models.JSONField(default=list, blank=True, help_text="Row errors (rejected runs).")

    class Meta(RunBase.Meta):
        verbose_name = "classicmodels load"

    def __str__(self):
        return f"Load {self.pk} ({self.status})"

    @property
    def rows_total(self) -> int:
        """CSV rows loaded, all tables together (older runs also list the derived order
        totals among the tables: they are not CSV rows and are not counted)."""
        return sum(n for table, n in self.rows.items() if table != "order_totals")


class OrderTotal(models.Model):
    """Read model: each order's line totals, so order-level analytics skip the line join.

    Derived data only, rebuilt set-based by ``sales.totals.order_totals_refresh`` after
    every load, import and admin change of order lines (the source stays orderdetails).
    """

    order = models.OneToOneField(
        "sales.Order", on_delete=models.CASCADE, primary_key=True, related_name="total"
    )
    # Wide enough for any order the loader accepts: a line alone can be 2,147,483,647 ×
    # 99,999,999.99 (about 2.1e17); 22 digits before the point hold 10,000 such lines.
    revenue = models.DecimalField(max_digits=24, decimal_places=2)
    units = models.BigIntegerField()
    lines = models.IntegerField()

    class Meta:
        verbose_name = "order total"

    def __str__(self):
        return f"{self.order_id}: {self.revenue}"
