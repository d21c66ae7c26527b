from django.db import models

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

    class Meta(RunBase.Meta):
        verbose_name = "feed import"


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

    class Meta(RunBase.Meta):
        permissions = [("view_dashboard", "Can view the inventory dashboard")]
