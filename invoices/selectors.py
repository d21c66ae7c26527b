"""Reads of the invoices app: for the inventory vehicle page, the dashboard and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.urls import reverse
from django.utils import timezone

from invoices.models import (
    CurrentProcessingStatus,
    CustomerAnalysis,
    DataQualityCheck,
    IngestRun,
    PartsAnalysis,
    RawInvoice,
    TechnicianPerformance,
)

STALE_PENDING = dt.timedelta(hours=24)


def invoices_for_vin(vin: str) -> list[dict]:
    """A unit's service invoices, newest first (the inventory vehicle page shows them)."""
    vin = (vin or "").strip().upper()
    if not vin:
        return []
    rows = (
        RawInvoice.objects.for_vin(vin)
        .order_by("-invoice_date", "-id")
        .values("id", "primary_key", "invoice_number", "invoice_date", "total")
    )
    return [
        {
            "primary_key": row["primary_key"],
            "invoice_number": row["invoice_number"],
            "invoice_date": row["invoice_date"],
            "total": row["total"],
            "url": reverse("admin:invoices_rawinvoice_change", args=[row["id"]]),
        }
        for row in rows
    ]


def vehicle_for_vin(vin: str):
    """The inventory vehicle FleetOps tracks under ``vin``, or None."""
    if not vin:
        return None
    try:
        from inventory.models import Vehicle
    except ImportError:  # pragma: no cover - the inventory app is part of FleetOps
        return None
    return Vehicle.objects.filter(vin=vin.strip().upper()).first()


TYPE_COLUMNS = {
    "LABOR": "labor_amount",
    "PART": "parts_amount",
    "FREIGHT": "freight_amount",
    "SUPPLY": "supply_amount",
    "MISC": "misc_amount",
}


def month_start(day: dt.date, shift: int = 0) -> dt.date:
    """The first day of ``day``'s month, moved by ``shift`` months."""
    index = day.year * 12 + day.month - 1 + shift
    return dt.date(index // 12, index % 12 + 1, 1)


def revenue_by_type_and_month(*, months: int = 12) -> list[dict]:
    """``[{month, line_type, amount}]`` for the last ``months`` months with invoices.

    Read from the per-invoice totals stored with the lines: one row per invoice, not ten.
    """
    processed = RawInvoice.objects.filter(
        status=RawInvoice.Status.PROCESSED, invoice_date__isnull=False
    )
    last = processed.order_by("-invoice_date").values_list("invoice_date", flat=True).first()
    if last is None:
        return []
    since = month_start(last, -(months - 1))  # that month and the months - 1 before it
    rows = (
        processed.filter(invoice_date__gte=since)
        .annotate(month=TruncMonth("invoice_date"))
        .values("month")
        .annotate(**{t: Sum(column) for t, column in TYPE_COLUMNS.items()})
        .order_by("month")
    )
    return [
        {"month": row["month"], "line_type": t, "amount": row[t]}
        for row in rows
        for t in TYPE_COLUMNS
        if row[t]
    ]


def top_customers(limit: int = 10) -> list[CustomerAnalysis]:
    return list(CustomerAnalysis.objects.order_by("-revenue")[:limit])


def parts_margin(limit: int = 15) -> list[PartsAnalysis]:
    return list(PartsAnalysis.objects.order_by("-revenue")[:limit])


def technician_efficiency(limit: int = 20) -> list[TechnicianPerformance]:
    return list(TechnicianPerformance.objects.order_by("-labor_revenue")[:limit])


def processing_status() -> list[CurrentProcessingStatus]:
    return list(CurrentProcessingStatus.objects.order_by("status"))


def data_quality() -> list[DataQualityCheck]:
    return list(DataQualityCheck.objects.order_by("-issue_count"))


def invoices_kpis() -> dict:
    """Headline figures: invoices, revenue, lines, failures, stale pending, quality score."""
    raw = RawInvoice.objects.aggregate(
        invoices=Count("id", filter=Q(status=RawInvoice.Status.PROCESSED)),
        failed=Count("id", filter=Q(status=RawInvoice.Status.FAILED)),
        stale=Count(
            "id",
            filter=Q(
                status=RawInvoice.Status.PENDING, received_at__lt=timezone.now() - STALE_PENDING
            ),
        ),
        with_issues=Count("id", filter=Q(status=RawInvoice.Status.PROCESSED, issue_count__gt=0)),
        value=Sum("total", filter=Q(status=RawInvoice.Status.PROCESSED)),
        lines=Sum("line_count", filter=Q(status=RawInvoice.Status.PROCESSED)),
        revenue=Sum("lines_total", filter=Q(status=RawInvoice.Status.PROCESSED)),
    )
    processed = raw["invoices"]
    score = 100.0 if not processed else round(100 * (processed - raw["with_issues"]) / processed, 1)
    return {
        "invoices": processed,
        "failed": raw["failed"],
        "stale_pending": raw["stale"],
        "with_issues": raw["with_issues"],
        "data_quality_score": score,
        "total_value": raw["value"] or Decimal("0"),
        "lines": raw["lines"] or 0,
        "revenue": raw["revenue"] or Decimal("0"),
        "last_run": IngestRun.objects.order_by("-started_at", "-id").first(),
    }
