"""The clerks' feed upload, as a clerk meets it: what confirming will remove, which store,
what a queued run says, and why a file is refused.

Expected figures are counted by hand from the rows each test writes.
"""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils.html import escape

from inventory.feeds.parsing import FeedRejected, feed_parse
from inventory.models import FeedImport, FeedUpload, Source, SourceRecord, StoreAlias, VinAlias
from inventory.services import feed_import, uploads
from tests.inventory.factories import CDK_HEADER, cdk_rows, csv_bytes, lojack_rows, make_vin

pytestmark = pytest.mark.django_db
IMPORT = reverse("admin:inventory_feedimport_import")
PROCESS = reverse("admin:inventory_feedimport_process_import")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _preview(client, source, data, *, store="", new_store=False, name="feed.csv"):
    post = {
        "resource": str(Source.values.index(source)),
        "store": store,
        "format": "0",
        "import_file": SimpleUploadedFile(name, data, content_type="text/csv"),
    }
    if new_store:
        post["new_store"] = "on"
    return client.post(IMPORT, post)


def _cdk(vins, store):
    return cdk_rows({v: {"store": store} for v in vins})


@pytest.fixture
def cdk_snapshot():
    """The current CDK snapshot: 120 North vehicles and 30 South ones (150 rows)."""
    north = [make_vin() for _ in range(120)]
    south = [make_vin() for _ in range(30)]
    data = cdk_rows({**{v: {"store": "North"} for v in north},
                     **{v: {"store": "South"} for v in south}})  # fmt: skip
    assert feed_import(source="cdk", data=data).status == "succeeded"
    return north, south


def _summary(response) -> str:
    body = response.content.decode()
    match = re.search(r'<p class="feed-preview-change[^"]*">(.*?)</p>', body, re.S)
    assert match, body[:3000]
    return html.unescape(re.sub(r"\s+", " ", match.group(1)).strip())


# 1. What confirming removes ------------------------------------------------------------


def test_preview_says_how_many_current_vehicles_the_file_would_remove_and_add(
    cdk_snapshot, clerk, client_for
):
    north, _ = cdk_snapshot
    small = _cdk([north[0], north[1], make_vin(), make_vin()], "North")  # 2 kept, 2 new
    preview = _preview(client_for(clerk), "cdk", small)
    # 150 now; the file keeps 2 of them: 148 removed; 2 of its 4 are new
    assert _summary(preview) == (
        "Confirming replaces the CDK (DMS) snapshot: 4 vehicles in the file, 150 now; "
        "148 would be removed, 2 added."
    )
    body = preview.content.decode()
    assert "I understand 148 vehicles will leave the CDK (DMS) snapshot" in body
    assert FeedUpload.objects.count() == 0


def test_an_oem_preview_counts_orders_built_or_not(cdk_snapshot, clerk, client_for):
    header = ["Order Number", "VIN", "MSRP"]
    now = [["O1", make_vin(), "40000"], ["O2", "", "41000"], ["O3", "", "42000"]]
    assert feed_import(source="oem", data=csv_bytes(header, now)).status == "succeeded"
    # the file keeps O1 and O2 (still no VIN) and adds O4: O3 leaves
    file = csv_bytes(header, [now[0], now[1], ["O4", "", "43000"]])

    preview = _preview(client_for(clerk), "oem", file)

    assert _summary(preview) == (
        "Confirming replaces the OEM allocations snapshot: 3 orders in the file, 3 now; "
        "1 would be removed, 1 added."
    )


def test_the_preview_rows_say_which_are_new_and_which_the_snapshot_holds(
    cdk_snapshot, clerk, client_for
):
    """Not "New" on every row: the two rows already in CDK read "In snapshot"."""
    north, _ = cdk_snapshot
    added = [make_vin(), make_vin()]
    preview = _preview(client_for(clerk), "cdk", _cdk([north[0], added[0], north[1], added[1]],
                                                       "North"))  # fmt: skip
    rows = re.findall(
        r'<td class="import-type">([^<]+)</td>\s*<td>(\d+)</td>\s*<td>(\w+)</td>',
        preview.content.decode(),
    )
    assert [(label, vin) for label, _line, vin in rows] == [
        ("In snapshot", north[0]), ("New", added[0]), ("In snapshot", north[1]),
        ("New", added[1]),
    ]  # fmt: skip


def test_a_large_removal_is_queued_only_once_the_clerk_ticks_that_they_understand(
    cdk_snapshot, clerk, client_for, django_capture_on_commit_callbacks
):
    north, _ = cdk_snapshot
    client = client_for(clerk)
    small = _cdk([north[0], north[1], make_vin(), make_vin()], "North")
    confirm = _preview(client, "cdk", small).context["confirm_form"].initial
    with django_capture_on_commit_callbacks(execute=True):
        refused = client.post(PROCESS, {**confirm, "confirm": "Confirm import"})
    assert refused.status_code == 200
    assert "Tick to confirm: 148 vehicles will leave the CDK (DMS) snapshot" in (
        refused.content.decode()
    )
    assert FeedUpload.objects.count() == 0 and FeedImport.objects.count() == 1
    assert SourceRecord.objects.filter(source="cdk").count() == 150
    # the page offers the same confirmation again, with the figures
    assert "148 would be removed" in refused.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(PROCESS, {**confirm, "removal_ok": "on", "confirm": "Confirm import"})
    assert done.status_code == 302
    upload = FeedUpload.objects.get()
    assert upload.feed_import.status == "succeeded"
    assert SourceRecord.objects.filter(source="cdk").count() == 4
    assert upload.preview["removed"] == 148 and upload.preview["now"] == 150


def test_the_acknowledgement_is_bound_to_the_previewed_figures(
    cdk_snapshot, clerk, client_for, django_capture_on_commit_callbacks
):
    """A hand-made confirm post (no signed figures, or another store) queues nothing."""
    north, _ = cdk_snapshot
    client = client_for(clerk)
    confirm = _preview(client, "cdk", _cdk(north[:2], "North")).context["confirm_form"].initial
    with django_capture_on_commit_callbacks(execute=True):
        forged = client.post(PROCESS, {**confirm, "change": "x", "removal_ok": "on"})
        other = client.post(PROCESS, {**confirm, "store": "South", "removal_ok": "on"})
    assert forged.status_code == other.status_code == 200
    assert "upload the file again" in forged.content.decode()
    assert "upload the file again" in other.content.decode()
    assert FeedUpload.objects.count() == 0


def test_a_store_upload_counts_only_that_stores_part(
    cdk_snapshot, clerk, client_for, django_capture_on_commit_callbacks
):
    north, south = cdk_snapshot
    # 25 of South's 30, one North vehicle now filed as South's, 3 new: 29 in the file
    vins = [*south[:25], north[0], make_vin(), make_vin(), make_vin()]
    client = client_for(clerk)
    preview = _preview(client, "cdk", _cdk(vins, "South"), store="South")
    assert _summary(preview) == (
        "Confirming replaces South's part of the CDK (DMS) snapshot: 29 vehicles in the "
        "file, 30 now; 5 would be removed, 3 added, 1 moved from another store."
    )
    body = preview.content.decode()
    assert "I understand" not in body  # 5 of 30: no acknowledgement needed
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(PROCESS, preview.context["confirm_form"].initial).status_code == 302
    rows = SourceRecord.objects.filter(source="cdk")
    # as announced: 150 - 5 + 3 rows, South 29, North 120 - 1
    assert rows.count() == 148
    assert rows.filter(store="South").count() == 29 and rows.filter(store="North").count() == 119


def test_nothing_removed_reads_so(cdk_snapshot, clerk, client_for):
    north, south = cdk_snapshot
    data = cdk_rows({**{v: {"store": "North"} for v in north},
                     **{v: {"store": "South"} for v in south}})  # fmt: skip
    assert _summary(_preview(client_for(clerk), "cdk", data)) == (
        "Confirming replaces the CDK (DMS) snapshot: 150 vehicles in the file, 150 now; "
        "none would be removed, none added."
    )


@pytest.mark.parametrize(
    ("now", "kept", "needs"),
    [
        (150, 2, True),  # 148 removed: over 100 and over 20% of 150
        (500, 399, True),  # 101 removed, 20.2%
        (505, 404, False),  # 101 removed, exactly 20%
        (400, 300, False),  # 100 removed: not over 100
        (10_000, 9_000, False),  # 1,000 removed, 10%
        (0, 0, False),  # a first load removes nothing
    ],
)
def test_the_acknowledgement_threshold(now, kept, needs):
    change = uploads.SnapshotChange(
        source="cdk", store="", now=now, in_file=kept, kept=kept, moved=0
    )
    assert change.needs_acknowledgement is needs


@pytest.mark.parametrize("new", [2, 3000])
def test_the_overlap_takes_three_statements_whatever_the_files_size(
    cdk_snapshot, new, django_assert_num_queries
):
    north, south = cdk_snapshot
    keys = [north[0], north[1], south[0], *(make_vin() for _ in range(new))]  # 3 kept
    # the confirmed VIN aliases, the current count, the file's keys joined to the rows
    with django_assert_num_queries(3):
        change = uploads.snapshot_change(source="cdk", store="", keys=keys)
    assert (change.now, change.in_file, change.kept, change.removed, change.added) == (
        150, 3 + new, 3, 147, new,
    )  # fmt: skip
    with django_assert_num_queries(3):
        change = uploads.snapshot_change(source="cdk", store="South", keys=keys)
    # South's 30 now, its one row in the file kept; the two North rows would move to South
    assert (change.now, change.kept, change.moved, change.removed, change.added) == (
        30, 1, 2, 29, new,
    )  # fmt: skip


def test_a_key_with_a_line_break_is_counted_as_it_is():
    """Keys are sent to PostgreSQL as lines unless one holds a line break (a quoted
    multi-line order number): then as a list, with the same count."""
    SourceRecord.objects.create(source="oem", key="order:A\nB", line_number=2)
    SourceRecord.objects.create(source="oem", key="order:C", line_number=3)
    change = uploads.snapshot_change(source="oem", store="", keys=["order:A\nB", "order:D"])
    assert (change.now, change.in_file, change.kept, change.removed, change.added) == (
        2, 2, 1, 1, 1,
    )  # fmt: skip


def test_a_confirmed_vin_alias_counts_as_the_vehicle_it_names():
    """A vAuto VIN-8 row staff confirmed as a VIN is imported as that VIN: not new."""
    a, b = make_vin(), make_vin()
    header = ["Stock #", "VIN", "VIN 8", "Year", "Make", "Model", "Price", "Dealer"]
    first = csv_bytes(header, [["S1", a, "", 2024, "Ford", "F-150", 1, "North"],
                               ["S2", b, "", 2024, "Ford", "F-150", 1, "North"]])  # fmt: skip
    assert feed_import(source="vauto", data=first).status == "succeeded"
    short = f"vin8:{b[-8:]}:S2"
    VinAlias.objects.create(source="vauto", from_key=short, vin=b)
    second = csv_bytes(header, [["S1", a, "", 2024, "Ford", "F-150", 1, "North"],
                                ["S2", "", b[-8:], 2024, "Ford", "F-150", 1, "North"]])  # fmt: skip
    keys = [r[0] for r in feed_parse("vauto", second).records]
    assert sorted(keys) == sorted([a, short])
    change = uploads.snapshot_change(source="vauto", store="", keys=keys)
    assert (change.now, change.in_file, change.kept, change.removed, change.added) == (
        2, 2, 2, 0, 0,
    )  # fmt: skip


# 2. The store: one FleetOps knows, or a new one on purpose ----------------------------


def test_the_store_field_offers_the_known_stores(cdk_snapshot, clerk, client_for):
    StoreAlias.objects.create(name="C55555", source="oem", store="Northside Ford")
    feed_import(source="lojack", data=lojack_rows([make_vin()], store="Lot Only"))
    body = client_for(clerk).get(IMPORT).content.decode()
    options = re.findall(r'<option value="([^"]*)">', body.split("<datalist")[1])
    # CDK's stores and the stores aliases name; not a store only LoJack sends
    assert options == ["North", "Northside Ford", "South"]
    assert 'list="id_store_list"' in body
    assert "Empty: the whole group" in body


def test_an_unknown_store_is_refused_until_ticked_as_new(cdk_snapshot, clerk, client_for):
    client = client_for(clerk)
    data = lojack_rows([make_vin()], store="UX Test Store")
    refused = _preview(client, "lojack", data, store="UX Test Store")
    errors = " ".join(refused.context["form"].errors.get("store", []))
    assert "“UX Test Store” is not a store FleetOps knows: tick “Add as a new store”" in errors
    assert "confirm_form" not in refused.context and FeedImport.objects.count() == 1
    ticked = _preview(client, "lojack", data, store="UX Test Store", new_store=True)
    assert ticked.context["confirm_form"].initial["store"] == "UX Test Store"


def test_a_known_store_is_taken_in_its_known_spelling(cdk_snapshot, clerk, client_for):
    StoreAlias.objects.create(name="C55555", source="oem", store="Northside Ford")
    client = client_for(clerk)
    south = _preview(client, "lojack", lojack_rows([make_vin()], store="South"), store=" south ")
    assert south.context["confirm_form"].initial["store"] == "South"
    aliased = _preview(
        client, "lojack", lojack_rows([make_vin()], store=""), store="NORTHSIDE  ford"
    )
    assert aliased.context["confirm_form"].initial["store"] == "Northside Ford"
    whole = _preview(client, "lojack", lojack_rows([make_vin()]))
    assert whole.context["confirm_form"].initial["store"] == ""


def test_an_alias_name_typed_as_the_store_points_to_its_store(cdk_snapshot, clerk, client_for):
    StoreAlias.objects.create(name="C55555", source="oem", store="Northside Ford")
    refused = _preview(client_for(clerk), "lojack", lojack_rows([make_vin()]), store="c55555")
    errors = " ".join(refused.context["form"].errors.get("store", []))
    assert "a store alias of Northside Ford" in errors


# 3. A queued run reads Queued everywhere ------------------------------------------------


def test_a_queued_run_reads_queued_everywhere_until_a_worker_starts_it(
    clerk, client_for, django_capture_on_commit_callbacks
):
    client = client_for(clerk)
    confirm = _preview(client, "lojack", lojack_rows([make_vin()])).context["confirm_form"]
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = client.post(PROCESS, confirm.initial)
    run = FeedImport.objects.get()
    page = client.get(response["Location"]).content.decode()
    status = re.search(r"<label>Status:</label>\s*<div class=\"readonly\">(.*?)</div>", page)
    assert status and status.group(1) == "Queued"
    assert "Running" not in page and "(running)" not in page
    assert f"LoJack import #{run.pk} (queued)" in page
    listing = client.get(reverse("admin:inventory_feedimport_changelist")).content.decode()
    assert '<td class="field-status_label">Queued</td>' in listing
    uploads_page = client.get(reverse("admin:inventory_feedupload_changelist")).content.decode()
    assert f"#{run.pk}</a> Queued" in uploads_page
    for callback in queued:
        callback()
    page = client.get(response["Location"]).content.decode()
    status = re.search(r"<label>Status:</label>\s*<div class=\"readonly\">(.*?)</div>", page)
    assert status.group(1) == "Succeeded" and "Queued" not in page


# 4. Why a file is refused ----------------------------------------------------------------


def test_the_wrong_source_message_lists_the_columns_this_source_does_not_know():
    data = cdk_rows({make_vin(): {}})  # VIN, Stock No, Year, Make, Model, Cost, List Price, Store
    with pytest.raises(FeedRejected) as refused:
        feed_parse("lojack", data)
    assert str(refused.value) == (
        "This looks like a CDK (DMS) file, not a LoJack file: CDK (DMS) knows 8 of its 8 "
        "columns, LoJack 6; LoJack does not know Cost, List Price."
    )
    assert CDK_HEADER == ["VIN", "Stock No", "Year", "Make", "Model", "Cost", "List Price",
                          "Store"]  # fmt: skip


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            b'[{"vin": "1FTEW1E50PF100000", "make": "Ford"}]',
            "This is a JSON file, not a CSV export",
        ),
        (b'\n  {\n "vehicles": []}', "This is a JSON file, not a CSV export"),
        (
            b'\xef\xbb\xbf<?xml version="1.0"?><inventory><car/></inventory>',
            "This is an XML file, not a CSV export",
        ),
        (
            b"<!DOCTYPE html>\n<html><body>Login</body></html>",
            "This is an HTML page, not a CSV export",
        ),
        (
            b"<html><head><title>Error</title></head></html>",
            "This is an HTML page, not a CSV export",
        ),
        (
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
            "This is an Excel workbook (.xlsx) or another ZIP archive, not a CSV export",
        ),
        (b"\xff\xfeV\x00I\x00N\x00", "This is UTF-16 text, not a UTF-8 CSV export"),
    ],
    ids=["json-list", "json-object", "xml", "html-doctype", "html", "xlsx", "utf-16"],
)
def test_obvious_non_csv_files_are_named(data, message):
    with pytest.raises(FeedRejected, match=f"^{re.escape(message)}"):
        feed_parse("cdk", data)


@pytest.mark.parametrize("first", ["[VIN],Make", "{VIN},Make", "<VIN>,Make"])
def test_a_csv_whose_header_merely_starts_with_a_bracket_is_still_read(first):
    """The detection looks past the first character: these are CSV headers (guard)."""
    data = f"{first}\n{make_vin()},Ford\n".encode()
    assert len(feed_parse("cdk", data).records) == 1  # read as CSV, not refused as JSON/XML


def test_a_json_upload_is_named_on_the_form(clerk, client_for):
    response = _preview(client_for(clerk), "cdk", b'{"vin": "1FTEW1E50PF100000"}', name="x.csv")
    errors = " ".join(response.context["form"].errors.get("import_file", []))
    assert "This is a JSON file, not a CSV export" in errors


def test_the_upload_page_states_the_file_rules_itself(clerk, client_for):
    body = client_for(clerk).get(IMPORT).content.decode()
    assert "README" not in body
    for fact in ("comma, semicolon, tab or pipe", "UTF-8", "case, spaces and punctuation",
                 "17 characters", escape("$35,120.00")):  # fmt: skip
        assert fact in body, fact
