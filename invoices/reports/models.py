"""Unmanaged models over the reporting views (created by migration 0003; read-only)."""

from django.db import models


def _money(**kwargs):
    return models.DecimalField(max_digits=16, decimal_places=2, null=True, **kwargs)


class ReportView(models.Model):
    class Meta:
        abstract = True
        managed = False

    def __str__(self):
        return f"{self._meta.db_table} {self.pk}"

    def save(self, *args, **kwargs):  # pragma: no cover - views are read-only
        raise NotImplementedError("Reporting views are read-only.")


class InvoiceSummary(ReportView):
    id = models.BigIntegerField(primary_key=True)
    primary_key = models.CharField(max_length=32)
    invoice_number = models.CharField(max_length=40)
    invoice_date = models.DateField(null=True)
    customer_title = models.CharField(max_length=200)
    shop_title = models.CharField(max_length=200)
    unit_vin = models.CharField(max_length=17)
    status = models.CharField(max_length=10)
    line_count = models.IntegerField()
    labor_amount = _money()
    parts_amount = _money()
    freight_amount = _money()
    supply_amount = _money()
    misc_amount = _money()
    lines_total = _money()
    sub_total = _money()
    total = _money()
    issue_count = models.IntegerField()

    class Meta(ReportView.Meta):
        db_table = "v_invoice_summary"


class CustomerAnalysis(ReportView):
    customer_title = models.CharField(max_length=200, primary_key=True)
    customer_id = models.CharField(max_length=40, null=True)
    revenue = _money()
    invoices = models.IntegerField()
    units = models.IntegerField()
    last_service = models.DateField(null=True)

    class Meta(ReportView.Meta):
        db_table = "v_customer_analysis"


class PartsAnalysis(ReportView):
    part_key = models.TextField(primary_key=True)
    part_number = models.CharField(max_length=80)
    description = models.TextField()
    times_used = models.IntegerField()
    quantity = models.DecimalField(max_digits=16, decimal_places=4)
    revenue = _money()
    cost = _money()
    profit = _money()
    margin_pct = _money()

    class Meta(ReportView.Meta):
        db_table = "v_parts_analysis"


class TechnicianPerformance(ReportView):
    technician = models.CharField(max_length=120, primary_key=True)
    labor_lines = models.IntegerField()
    invoices = models.IntegerField()
    billed_hours = models.DecimalField(max_digits=14, decimal_places=4)
    clocked_hours = models.DecimalField(max_digits=14, decimal_places=4)
    efficiency_pct = _money()
    labor_revenue = _money()

    class Meta(ReportView.Meta):
        db_table = "v_technician_performance"


class FleetAnalysis(ReportView):
    unit_vin = models.CharField(max_length=17, primary_key=True)
    unit_number = models.CharField(max_length=60)
    make = models.CharField(max_length=60)
    model = models.CharField(max_length=100)
    year = models.CharField(max_length=4)
    customer_title = models.CharField(max_length=200)
    visits = models.IntegerField()
    spend = _money()
    last_service = models.DateField(null=True)
    last_complaint = models.TextField(null=True)

    class Meta(ReportView.Meta):
        db_table = "v_fleet_analysis"


class CurrentProcessingStatus(ReportView):
    status = models.CharField(max_length=10, primary_key=True)
    invoices = models.IntegerField()
    oldest_received_at = models.DateTimeField(null=True)
    last_updated_at = models.DateTimeField(null=True)
    total_value = _money()

    class Meta(ReportView.Meta):
        db_table = "v_current_processing_status"


class DataQualityCheck(ReportView):
    kind = models.CharField(max_length=40, primary_key=True)
    issue_count = models.IntegerField()
    invoice_count = models.IntegerField()
    total_difference = _money()
    last_seen_at = models.DateTimeField(null=True)

    class Meta(ReportView.Meta):
        db_table = "v_data_quality_check"


class RecentActivity(ReportView):
    day = models.DateField(primary_key=True)
    received = models.IntegerField()
    processed = models.IntegerField()
    failed = models.IntegerField()
    pending = models.IntegerField()
    total_value = _money()

    class Meta(ReportView.Meta):
        db_table = "v_recent_activity"


class IngestionPerformance(ReportView):
    id = models.BigIntegerField(primary_key=True)
    trigger = models.CharField(max_length=10)
    status = models.CharField(max_length=12)
    source = models.CharField(max_length=255)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True)
    duration_seconds = models.FloatField(null=True)
    fetched = models.IntegerField()
    processed = models.IntegerField()
    failed = models.IntegerField()
    skipped = models.IntegerField()
    line_items_created = models.IntegerField()
    total_value = _money()
    invoices_per_second = models.FloatField(null=True)

    class Meta(ReportView.Meta):
        db_table = "v_ingestion_performance"


class ErrorAnalysis(ReportView):
    category = models.CharField(max_length=40, primary_key=True)
    error_count = models.IntegerField()
    last_seen_at = models.DateTimeField(null=True)
    example = models.TextField(null=True)
    max_attempts = models.IntegerField()

    class Meta(ReportView.Meta):
        db_table = "v_error_analysis"


REPORT_MODELS = {
    model._meta.db_table: model
    for model in (
        InvoiceSummary,
        CustomerAnalysis,
        PartsAnalysis,
        TechnicianPerformance,
        FleetAnalysis,
        CurrentProcessingStatus,
        DataQualityCheck,
        RecentActivity,
        IngestionPerformance,
        ErrorAnalysis,
    )
}

__all__ = [m.__name__ for m in REPORT_MODELS.values()] + ["REPORT_MODELS"]
