from django.db import models

from fleetops.models import RunBase


class LoadRun(RunBase):
    """One ``load_classicmodels`` run: rows read and written per table, exclusions, errors."""

    directory = models.CharField(max_length=500)
    rows = models.JSONField(default=dict, blank=True, help_text="Rows upserted per table.")
    excluded_orders = models.PositiveIntegerField(
        default=0, help_text="Orders loaded with a missing or invalid order date."
    )
    problems = models.JSONField(default=list, blank=True, help_text="Row errors (rejected runs).")

    class Meta(RunBase.Meta):
        verbose_name = "classicmodels load"

    def __str__(self):
        return f"Load {self.pk} ({self.status})"
