"""The trend charts' day axis."""

from datetime import date, datetime

from monitoring.charts import day_axis, metric_trend


def test_a_single_day_gets_a_week_and_half_a_day_past_it():
    # The point is at midnight of the 22nd: the axis must reach past it, or the marker
    # is cut in half by the plot's edge.
    axis = day_axis([date(2026, 11, 22)])
    assert axis["range"] == [datetime(2026, 11, 14, 12), datetime(2026, 11, 22, 12)]


def test_a_long_series_keeps_its_own_span():
    axis = day_axis([date(2026, 10, 1), date(2026, 10, 20), date(2026, 10, 9)])
    assert axis["range"] == [datetime(2026, 9, 30, 12), datetime(2026, 10, 20, 12)]


def test_no_points_no_range():
    assert "range" not in day_axis([])


def test_the_metric_picker_retitles_the_axis_in_plotly_js_form():
    # the dropdown's arguments go to plotly.js as they are: a title must be {"text": ...}
    html = metric_trend(
        "invoices.ingest",
        {"processed": [(date(2026, 11, 21), 3.0)], "failed": [(date(2026, 11, 21), 1.0)]},
        div_id="t",
    )
    assert '"yaxis":{"title":{"text":"Invoices failed per day"}' in html
    assert '"title":"' not in html


def _buttons(html: str) -> list[tuple[str, str]]:
    """(label, name) of each metric-picker button, in order."""
    import re

    return re.findall(r'"label":"([^"]*)","method":"update","name":"([^"]*)"', html)


def test_the_metric_picker_shows_readable_names_and_keeps_the_raw_ones():
    day = date(2026, 11, 21)
    feed = metric_trend(
        "inventory.feed", {"rows_read": [(day, 9.0)], "duration_seconds": [(day, 2.0)]}, div_id="f"
    )
    # rows read add up over a day; a duration is averaged
    assert _buttons(feed) == [
        ("Import duration in seconds (daily mean)", "duration_seconds"),
        ("Rows read per day", "rows_read"),
    ]
    assert '"yaxis":{"title":{"text":"Rows read per day"}' in feed  # the one shown first
    assert '"name":"rows_read"' in feed  # the trace keeps its metric's raw name
    reconcile = metric_trend("inventory.reconcile", {"critical_open": [(day, 4.0)]}, div_id="r")
    assert _buttons(reconcile) == [("Critical exceptions open (daily mean)", "critical_open")]
    assert "critical_open (daily mean)" not in reconcile


def test_every_metric_a_run_records_has_a_readable_label():
    from monitoring.charts import METRIC_LABELS

    recorded = {  # what each run source's service passes to monitoring.run_finished
        "invoices.ingest": {
            "fetched", "processed", "failed", "skipped", "line_items_created", "total_value",
            "duration_seconds", "data_quality_score",
        },
        "inventory.feed": {"rows_read", "vehicles", "invalid_rows", "duplicates",
                           "duration_seconds"},
        "inventory.reconcile": {
            "vehicles", "aligned", "aligned_pct", "oem_not_in_cdk", "not_marketed",
            "ghost_listing", "no_tracking", "critical_open", "oem_at_risk",
            "not_marketed_value", "floorplan_monthly", "untracked_value", "duration_seconds",
        },
        "sales.load": {
            "rows_offices", "rows_employees", "rows_customers", "rows_productlines",
            "rows_products", "rows_orders", "rows_orderdetails", "rows_payments",
            "rows_removed", "problems", "excluded_orders",
        },
    }  # fmt: skip
    for source, names in recorded.items():
        assert names <= set(METRIC_LABELS[source]), (source, names - set(METRIC_LABELS[source]))


def test_a_money_metric_says_dollars_and_an_unknown_one_is_still_readable():
    from monitoring.charts import metric_label

    assert metric_label("invoices.ingest", "total_value") == "Invoice value in $ per day"
    assert metric_label("inventory.reconcile", "oem_at_risk") == (
        "OEM allocations at risk, $ MSRP (daily mean)"
    )
    assert metric_label("inventory.feed", "new_thing") == "New thing (daily mean)"
