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
