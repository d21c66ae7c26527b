"""Reads of the invoices app: for the inventory vehicle page, the dashboard and the API."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db.models import Case, Count, DecimalField, F, Max, Min, Q, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils import timezone

from invoices.choices import LineType
from invoices.models import (
    PART_KEY,
    CurrentProcessingStatus,
    CustomerAnalysis,
    DataQualityCheck,
    IngestRun,
    InvoiceIssue,
    LineItem,
    PartsAnalysis,
    RawInvoice,
    TechnicianPerformance,
)
from invoices.scope import EVERY_INVOICE, InvoiceScope

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


def revenue_by_type_and_month(
    *, months: int = 12, scope: InvoiceScope = EVERY_INVOICE
) -> list[dict]:
    """``[{month, line_type, amount}]`` of the processed invoices in ``scope``: the months
    of its dates when a first date is chosen, else the last ``months`` months with invoices.

    Read from the per-invoice totals stored with the lines: one row per invoice, not ten.
    """
    processed = scope.apply(
        RawInvoice.objects.filter(status=RawInvoice.Status.PROCESSED, invoice_date__isnull=False)
    )
    if scope.date_from is None:
        last = processed.order_by("-invoice_date").values_list("invoice_date", flat=True).first()
        if last is None:
            return []
        since = month_start(last, -(months - 1))  # that month and the months - 1 before it
        processed = processed.filter(invoice_date__gte=since)
    rows = (
        processed.annotate(month=TruncMonth("invoice_date"))
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


# A scope (dates, a shop) is read from the tables themselves with its filters, giving the
# same figures as the reporting views (v_customer_analysis, v_parts_analysis,
# v_technician_performance, v_current_processing_status, v_data_quality_check:
# tests/invoices/test_dashboard_scope.py compares them), which cannot take a date range.
# Rows are the views' unmanaged models, built in memory. Every invoice (the default page):
# the three rankings read their views, which the covering partial indexes of migration
# 0007 serve 3-5x faster at 100,000 invoices (bench_invoices' dashboard).
ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=16, decimal_places=2))
HUNDREDTH = Decimal("0.01")


def _pct(part: Decimal | None, whole: Decimal | None) -> Decimal | None:
    """100 × part ÷ whole to two places (as the views' ROUND), None without a positive whole."""
    if part is None or not whole or whole <= 0:
        return None
    return (Decimal(100) * part / whole).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def top_customers(limit: int = 10, *, scope: InvoiceScope = EVERY_INVOICE) -> list:
    if not scope:
        return list(CustomerAnalysis.objects.order_by("-revenue", "customer_title")[:limit])
    rows = (
        scope.apply(RawInvoice.objects.filter(status=RawInvoice.Status.PROCESSED))
        .values("customer_title")
        .annotate(
            customer_id=Max("customer_id"),
            revenue=Coalesce(Sum("lines_total"), ZERO),
            invoices=Count("id"),
            units=Count(Case(When(~Q(unit_vin=""), then=F("unit_vin"))), distinct=True),
            last_service=Max("invoice_date"),
        )
        .order_by("-revenue", "customer_title")[:limit]
    )
    return [CustomerAnalysis(**row) for row in rows]


def parts_margin(limit: int = 15, *, scope: InvoiceScope = EVERY_INVOICE) -> list:
    if not scope:
        return list(PartsAnalysis.objects.order_by("-revenue", "part_key")[:limit])
    rows = (
        scope.apply(LineItem.objects.filter(line_type=LineType.PART))
        .annotate(part_key=PART_KEY)
        .values("part_key")
        .annotate(
            part_number=Max("part_number"),
            description=Max("description"),
            times_used=Count("id"),
            quantity=Sum("quantity"),
            revenue=Sum("amount"),
            cost=Sum(Coalesce("cost_amount", ZERO)),
        )
        .order_by("-revenue", "part_key")[:limit]
    )
    parts = []
    for row in rows:
        profit = row["revenue"] - row["cost"]
        margin = _pct(profit, row["revenue"])
        parts.append(PartsAnalysis(**row, profit=profit, margin_pct=margin))
    return parts


def technician_efficiency(limit: int = 20, *, scope: InvoiceScope = EVERY_INVOICE) -> list:
    if not scope:
        return list(TechnicianPerformance.objects.order_by("-labor_revenue", "technician")[:limit])
    rows = (
        scope.apply(LineItem.objects.filter(line_type=LineType.LABOR))
        .values("technician")
        .annotate(
            labor_lines=Count("id"),
            invoices=Count("raw_invoice_id", distinct=True),
            billed_hours=Coalesce(Sum("hours"), ZERO),
            clocked_hours=Coalesce(Sum("actual_hours"), ZERO),
            labor_revenue=Sum("amount"),
        )
        .order_by("-labor_revenue", "technician")[:limit]
    )
    return [
        TechnicianPerformance(**row, efficiency_pct=_pct(row["billed_hours"], row["clocked_hours"]))
        for row in rows
    ]


def processing_status(*, scope: InvoiceScope = EVERY_INVOICE) -> list:
    rows = (
        scope.apply(RawInvoice.objects.all())
        .values("status")
        .annotate(
            invoices=Count("id"),
            oldest_received_at=Min("received_at"),
            last_updated_at=Max("updated_at"),
            total_value=Coalesce(Sum("total"), ZERO),
        )
        .order_by("status")
    )
    return [CurrentProcessingStatus(**row) for row in rows]


def data_quality(*, scope: InvoiceScope = EVERY_INVOICE) -> list:
    rows = (
        scope.apply(InvoiceIssue.objects.all(), prefix="raw_invoice__")
        .values("kind")
        .annotate(
            issue_count=Count("id"),
            invoice_count=Count("raw_invoice_id", distinct=True),
            total_difference=Coalesce(Sum("difference"), ZERO),
            last_seen_at=Max("created_at"),
        )
        .order_by("-issue_count", "kind")
    )
    return [DataQualityCheck(**row) for row in rows]


def shops(limit: int = 300) -> list[str]:
    """The shops invoices come from (their ``shopTitle``), for the dashboard's and the
    admin lists' shop filters; cached a few minutes like the admin's filter choices."""

    def values():
        return list(
            RawInvoice.objects.exclude(shop_title="")
            .order_by("shop_title")
            .values_list("shop_title", flat=True)
            .distinct()[:limit]
        )

    return cache.get_or_set("invoices:shops", values, 300)


def invoices_kpis(*, scope: InvoiceScope = EVERY_INVOICE) -> dict:
    """Headline figures: invoices, revenue, lines, failures, stale pending, quality score;
    and the first and last invoice dates in ``scope`` (the period it covers)."""
    raw = scope.apply(RawInvoice.objects.all()).aggregate(
        first_date=Min("invoice_date"),
        last_date=Max("invoice_date"),
        undated=Count("id", filter=Q(invoice_date__isnull=True)),
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
        "first_date": raw["first_date"],
        "last_date": raw["last_date"],
        "undated": raw["undated"],
        "last_run": IngestRun.objects.order_by("-started_at", "-id").first(),
    }
