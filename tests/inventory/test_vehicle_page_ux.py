"""The vehicle page, the vehicle export form, the settings labels and two dashboard charts,
as the UX review found them. Expected values are written out by hand."""

import json
import re

import pytest
from django.urls import reverse

from inventory.charts import matrix_chart, trend_chart
from inventory.models import FeedImport, InventorySettings, SourceRecord, Vehicle
from inventory.services import feed_import, vehicles_reconcile
from tests.inventory.factories import csv_bytes, make_vin

pytestmark = pytest.mark.django_db


def _cells(table_html: str, tag: str) -> list[str]:
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(
        rf"<{tag}[^>]*>(.*?)</{tag}>", table_html, re.S)]  # fmt: skip


@pytest.fixture
def jeep():
    """One CDK row with a column FleetOps does not read (Odometer) and dollar amounts, and
    a vAuto row of the same car in a semicolon-separated file."""
    vin = make_vin()
    cdk = csv_bytes(
        ["Stock No", "VIN", "Year", "Make", "Model", "Odometer", "Cost", "List Price", "Store"],
        [["UF08126", vin, "2023", "Jeep", "Compass", "26779", "$30,000.00", "$66,800.00",
          "Prairie GMC"]],
    )  # fmt: skip
    vauto = (
        "Stock #;VIN;Year;Make;Model;Price;Photos;Dealer\n"
        f"UF08126;{vin.lower()};2023;Jeep;Compass;66800;0;Prairie GMC\n"
    ).encode()
    cdk_run = feed_import(source="cdk", data=cdk, filename="cdk.csv")
    vauto_run = feed_import(source="vauto", data=vauto, filename="vauto.csv")
    assert cdk_run.status == vauto_run.status == "succeeded"
    vehicles_reconcile()
    return Vehicle.objects.get(vin=vin), cdk_run, vauto_run


def _page(client, vehicle) -> str:
    response = client.get(reverse("admin:inventory_vehicle_change", args=[vehicle.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _raw_tables(body: str) -> list[str]:
    return re.findall(r'<table class="raw-row">(.*?)</table>', body, re.S)


def test_each_raw_row_is_shown_cell_by_cell_under_the_field_fleetops_read(
    jeep, triage_user, client_for
):
    vehicle, _, _ = jeep
    body = _page(client_for(triage_user), vehicle)
    cdk_table, vauto_table = _raw_tables(body)  # sources in order: cdk, vauto
    assert _cells(cdk_table, "th") == [
        "Stock number", "VIN", "Year", "Make", "Model", "", "Cost", "Price", "Store",
    ]  # fmt: skip
    assert _cells(cdk_table, "td") == [
        "UF08126", vehicle.vin, "2023", "Jeep", "Compass", "26779", "$30,000.00", "$66,800.00",
        "Prairie GMC",
    ]  # fmt: skip
    # the semicolon file, split on its own delimiter; the VIN cell as sent (lower case)
    assert _cells(vauto_table, "th") == [
        "Stock number", "VIN", "Year", "Make", "Model", "Price", "", "Store",
    ]  # fmt: skip
    assert _cells(vauto_table, "td")[1] == vehicle.vin.lower()
    assert "the file’s own header is not kept" in body


def test_the_import_and_line_link_to_the_run(jeep, triage_user, client_for):
    vehicle, cdk_run, vauto_run = jeep
    body = _page(client_for(triage_user), vehicle)
    for run in (cdk_run, vauto_run):
        url = reverse("admin:inventory_feedimport_change", args=[run.pk])
        assert f'<a href="{url}">#{run.pk} line 2</a>' in body


def test_money_reads_as_dollars_on_the_vehicle_page(jeep, triage_user, client_for):
    vehicle, _, _ = jeep
    body = _page(client_for(triage_user), vehicle)
    fields = dict(re.findall(
        r"<label>([^<]+):</label>\s*<div class=\"readonly\">(.*?)</div>", body, re.S))  # fmt: skip
    assert fields["Cost"].startswith("$30,000.00")
    assert fields["Price"] == "$66,800.00"
    assert fields["MSRP"] == "-"  # none sent
    listing = client_for(triage_user).get(reverse("admin:inventory_vehicle_changelist"))
    assert '<td class="field-cost_usd">$30,000.00</td>' in listing.content.decode()


def test_a_row_whose_run_was_pruned_still_shows(jeep, triage_user, client_for):
    vehicle, cdk_run, _ = jeep
    SourceRecord.objects.filter(feed_import=cdk_run).update(feed_import=None)
    FeedImport.objects.filter(pk=cdk_run.pk).delete()
    body = _page(client_for(triage_user), vehicle)
    assert "line 2" in body and len(_raw_tables(body)) == 2


def test_the_vehicle_export_form_gives_csv_not_a_choice_starting_at_dashes(triage_user, client_for):
    response = client_for(triage_user).get(reverse("admin:inventory_vehicle_export"))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'<label for="id_format">Format:</label>\s*csv', html)
    assert '<select name="format"' not in html


def test_inventory_settings_labels_read_as_people_write_them(manager, client_for):
    InventorySettings.load()
    response = client_for(manager).get(reverse("admin:inventory_inventorysettings_changelist"))
    body = response.content.decode()
    for label in ("OEM at-risk share", "SLA days: critical", "SLA days: high",
                  "SLA days: medium", "Floorplan monthly rate"):  # fmt: skip
        assert label in body, label
    assert "Oem at risk share" not in body and "Sla critical days" not in body


def _figure(html: str, div_id: str) -> tuple[list, dict]:
    pattern = rf'Plotly\.newPlot\(\s*"{div_id}",\s*(\[.*?\]),\s*(\{{.*?\}}),\s*\{{"displaylogo"'
    match = re.search(pattern, html, re.S)
    assert match, html[:500]
    return json.loads(match.group(1)), json.loads(match.group(2))


def test_the_matrix_cells_read_at_a_legible_size_with_the_counts_in_hover():
    matrix = {"": 0, "V": 558, "L": 4926, "CVL": 2535, "CO": 23}
    (heatmap,), _ = _figure(matrix_chart(matrix), "inv-matrix")
    assert heatmap["textfont"]["size"] >= 11
    assert heatmap["texttemplate"] == "%{text}"
    # rows: neither / CDK / OEM / CDK + OEM; columns: neither / vAuto / LoJack / both
    assert heatmap["text"][0] == ["0", "558", "4,926", "0"]
    assert heatmap["text"][1][3] == "2,535" and heatmap["text"][3][0] == "23"
    assert heatmap["customdata"][1][3] == "CVL: 2,535 vehicles"
    assert "%{customdata}" in heatmap["hovertemplate"]
    assert heatmap["showscale"] is False  # the numbers are in the cells: no colour bar


def test_the_trend_chart_right_axis_is_titled_and_ticks_round_percentages():
    points = [
        {"finished_at": "2026-12-01T06:00:00", "aligned_pct": 21.5, "oem_not_in_cdk": 1,
         "not_marketed": 2, "ghost_listing": 3, "no_tracking": 4},
        {"finished_at": "2026-12-02T06:00:00", "aligned_pct": 22.0, "oem_not_in_cdk": 1,
         "not_marketed": 2, "ghost_listing": 3, "no_tracking": 4},
    ]  # fmt: skip
    _, layout = _figure(trend_chart(points), "inv-trend")
    axis = layout["yaxis2"]
    assert axis["title"]["text"] == "Aligned %"
    assert axis["range"] == [0, 100]
    assert axis["tickmode"] == "array" and axis["tickvals"] == [0, 20, 40, 60, 80, 100]


def test_presence_dates_each_sources_row_by_its_last_change_not_by_the_last_import(
    triage_user, client_for
):
    """A source row that comes again unchanged keeps the date it last changed (an import
    leaves unchanged rows alone): the presence table says so, and does not call that date
    the last import, which was today."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    import time_machine

    vin = make_vin()
    cdk = csv_bytes(["VIN", "Cost"], [[vin, "30000"]])
    day1 = datetime(2026, 3, 2, 5, 30, tzinfo=ZoneInfo("America/Chicago"))
    with time_machine.travel(day1, tick=False):
        feed_import(source="cdk", data=cdk)
        vehicles_reconcile()
    with time_machine.travel(day1.replace(day=5), tick=False):
        feed_import(source="cdk", data=cdk)  # the same row again, three days on
        body = _page(client_for(triage_user), Vehicle.objects.get(vin=vin))
    presence = body[body.index("<th>Source</th><th>Present</th>") :]
    presence = presence[: presence.index("</table>")]
    assert "Last imported" not in presence
    assert "<th>Row last changed</th>" in presence
    assert "<td>CDK (DMS)</td><td>✔</td><td>2026-03-02 05:30</td>" in presence
