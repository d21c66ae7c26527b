"""The ten reporting views, checked against figures computed by hand from conftest.hand_dataset."""

import datetime as dt
from decimal import Decimal as D
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from invoices.models import (
    CurrentProcessingStatus,
    CustomerAnalysis,
    DataQualityCheck,
    ErrorAnalysis,
    FleetAnalysis,
    IngestionPerformance,
    InvoiceSummary,
    LineItem,
    PartsAnalysis,
    RawInvoice,
    RecentActivity,
    TechnicianPerformance,
)
from invoices.services import invoice_ingest
from tests.invoices.conftest import VIN_1, hand_dataset
from tests.invoices.payloads import complaint, correction, invoice, part

pytestmark = pytest.mark.django_db


def test_invoice_summary_sums_each_processed_invoice_s_lines_by_type(dataset):
    rows = {r.primary_key: r for r in InvoiceSummary.objects.all()}
    assert set(rows) == {"A1", "B1", "C1"}  # processed only
    a = rows["A1"]
    assert (a.line_count, a.labor_amount, a.parts_amount, a.supply_amount) == (
        4,
        D("100.00"),
        D("100.00"),
        D("5.00"),
    )
    assert (a.lines_total, a.sub_total, a.issue_count) == (D("205.00"), D("205.00"), 0)
    assert (rows["C1"].lines_total, rows["C1"].sub_total, rows["C1"].issue_count) == (
        D("80.00"),
        D("90.00"),
        1,
    )


def test_customer_analysis_totals_revenue_invoices_and_units_per_customer(dataset):
    rows = {r.customer_title: r for r in CustomerAnalysis.objects.all()}
    acme = rows["ACME HAULING"]
    assert (acme.revenue, acme.invoices, acme.units) == (D("305.00"), 2, 2)
    assert acme.last_service == dt.date(2025, 7, 10)
    assert (rows["ZETA TRANSPORT"].revenue, rows["ZETA TRANSPORT"].invoices) == (D("80.00"), 1)


def test_parts_analysis_gives_quantity_revenue_cost_and_margin_per_part(dataset):
    (pads,) = PartsAnalysis.objects.all()
    assert (pads.part_number, pads.times_used, pads.quantity) == ("BP-1", 2, D("3"))
    # 3 x 50 revenue, 3 x 30 cost: 60 profit, 40 % margin.
    assert (pads.revenue, pads.cost, pads.profit, pads.margin_pct) == (
        D("150.00"),
        D("90.00"),
        D("60.00"),
        D("40.00"),
    )


def test_a_part_that_nets_to_a_credit_has_no_margin(db):
    """A core returned for credit: revenue -40, cost -25. (revenue - cost) / revenue would
    read 37.5 %; a margin is a share of revenue, so there is none."""
    core = part("CORE RETURN", -1, "40.00", "25.00", shop="CORE-9")
    invoice_ingest(
        payloads=[invoice("R1", complaints=[complaint(9, corrections=[correction(91, [core])])],
                          sub_total="-40")],
        source="hand",
    )  # fmt: skip
    (row,) = PartsAnalysis.objects.all()
    assert (row.revenue, row.cost, row.profit, row.margin_pct) == (
        D("-40.00"), D("-25.00"), D("-15.00"), None,
    )  # fmt: skip


def test_technician_performance_splits_hours_and_labor_by_portion(dataset):
    rows = {r.technician: r for r in TechnicianPerformance.objects.all()}
    ann = rows["Ann"]
    # A1: 60 % of 1 h / $100 (clocked 1.0); C1: 1 h / $80 (clocked 2): 1.6 billed / 3.0 clocked.
    assert (ann.labor_lines, ann.billed_hours, ann.clocked_hours) == (2, D("1.6"), D("3.0"))
    assert (ann.efficiency_pct, ann.labor_revenue) == (D("53.33"), D("140.00"))
    assert (rows["Bob"].efficiency_pct, rows["Bob"].labor_revenue) == (D("80.00"), D("40.00"))
    assert (rows["Unassigned"].billed_hours, rows["Unassigned"].efficiency_pct) == (
        D("0.5"),
        D("50.00"),
    )


def test_fleet_analysis_gives_each_unit_its_visits_spend_and_last_complaint(dataset):
    unit = FleetAnalysis.objects.get(unit_vin=VIN_1)
    assert (unit.visits, unit.spend, unit.last_service) == (1, D("205.00"), dt.date(2025, 6, 3))
    assert unit.last_complaint == "BRAKES GRINDING"
    assert (unit.make, unit.customer_title) == ("Freightliner", "ACME HAULING")
    assert FleetAnalysis.objects.count() == 3


def test_status_counts_quality_issues_and_error_categories_per_invoice(dataset):
    status = {r.status: r.invoices for r in CurrentProcessingStatus.objects.all()}
    assert status == {"processed": 3, "failed": 1}
    (quality,) = DataQualityCheck.objects.all()
    assert (quality.kind, quality.issue_count, quality.total_difference) == (
        "subtotal_mismatch",
        1,
        D("10.00"),
    )
    (error,) = ErrorAnalysis.objects.all()
    assert (error.category, error.error_count) == ("bad_number", 1)
    assert "subTotal" in error.example


def test_recent_activity_counts_an_invoice_on_the_business_day_it_was_received(db):
    """Received at 02:00 UTC today: 8 or 9 pm of the day before in Chicago (TIME_ZONE), the
    day the shop received it; by UTC date it counted on the next day."""
    invoice_ingest(payloads=hand_dataset()[:1], source="hand dataset")
    utc_today = timezone.now().astimezone(dt.UTC).date()
    received = dt.datetime.combine(utc_today, dt.time(2, 0), tzinfo=dt.UTC)
    RawInvoice.objects.update(received_at=received)
    chicago_day = received.astimezone(ZoneInfo("America/Chicago")).date()
    assert chicago_day == utc_today - dt.timedelta(days=1)  # the case this test is about
    assert [(r.day, r.received) for r in RecentActivity.objects.all()] == [(chicago_day, 1)]


def test_recent_activity_sums_the_totals_of_processed_invoices_and_the_run_its_lines(db):
    """The hand dataset with totals sent (subTotal + no tax): the day's value is A1, B1 and
    C1's totals, not the failed D1's; the run counts the lines flattened by hand in
    conftest (A1: Ann's and Bob's labor, pads, supplies; B1: labor, pads; C1: labor)."""
    payloads = hand_dataset()
    for payload, total in zip(payloads, ("205.00", "100.00", "90.00", "999.00"), strict=True):
        payload["total"] = total
    ingested = invoice_ingest(payloads=payloads, source="hand dataset")
    (day,) = RecentActivity.objects.all()
    assert day.day == timezone.localdate()
    assert (day.received, day.processed, day.failed) == (4, 3, 1)
    assert day.total_value == D("205.00") + D("100.00") + D("90.00")
    (run,) = IngestionPerformance.objects.all()
    assert (run.id, run.processed, run.failed, run.line_items_created) == (
        ingested.pk, 3, 1, 4 + 2 + 1,
    )  # fmt: skip
    assert run.line_items_created == LineItem.objects.count()
    assert run.duration_seconds is not None and run.duration_seconds >= 0
