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
    assert '"yaxis":{"title":{"text":"failed (per day)"}' in html
    assert '"title":"' not in html
