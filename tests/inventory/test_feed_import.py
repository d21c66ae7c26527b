"""feed_import: snapshot replacement, --store, issues, rejected files write nothing, metrics."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from fleetops.models import AuditEntry
from inventory.models import FeedImport, FeedIssue, SourceRecord, Vehicle
from inventory.services import feed_import, vehicles_reconcile
from monitoring.models import Metric
from tests.inventory.factories import (
    LOJACK_HEADER,
    OEM_HEADER,
    cdk_rows,
    csv_bytes,
    lojack_rows,
    make_vin,
)

pytestmark = pytest.mark.django_db


def keys(source):
    return set(SourceRecord.objects.filter(source=source).values_list("key", flat=True))


def test_an_import_replaces_the_whole_snapshot_of_that_source():
    a, b, c = make_vin(), make_vin(), make_vin()
    feed_import(source="lojack", data=lojack_rows([a, b]))
    feed_import(source="lojack", data=lojack_rows([b, c]))
    assert keys("lojack") == {b, c}  # a is gone from LoJack: absent means gone


def test_store_option_replaces_only_that_store():
    north1, north2, south = make_vin(), make_vin(), make_vin()
    feed_import(source="lojack", data=lojack_rows([north1, north2], store="North"))
    feed_import(source="lojack", data=lojack_rows([south], store="South"), store="South")
    assert keys("lojack") == {north1, north2, south}
    new_north = make_vin()
    feed_import(source="lojack", data=lojack_rows([new_north]), store="North")
    assert keys("lojack") == {new_north, south}


def test_invalid_and_duplicate_rows_are_kept_as_issues_with_counts():
    vin = make_vin()
    data = csv_bytes(["VIN", "Device ID"], [[vin, "1"], [vin.lower(), "2"], ["BAD", "3"]])
    run = feed_import(source="lojack", data=data, filename="lj.csv")
    assert (run.status, run.rows_read, run.vehicles, run.invalid_rows, run.duplicates) == (
        "succeeded", 3, 1, 1, 1,
    )  # fmt: skip
    issues = list(FeedIssue.objects.filter(feed_import=run).values_list("line_number", "reason"))
    assert issues == [(3, "duplicate_vin"), (4, "invalid_vin")]
    assert SourceRecord.objects.get(key=vin).line_number == 2


def test_rejected_file_writes_nothing_but_its_run_row():
    kept = make_vin()
    feed_import(source="lojack", data=lojack_rows([kept]))
    before = (SourceRecord.objects.count(), FeedIssue.objects.count())
    run = feed_import(source="lojack", data=b"Order Number,Model Code\nA1,X\n", filename="x.csv")
    assert run.status == "rejected"
    assert run.error.startswith("This looks like an OEM allocations file, not a LoJack file")
    assert (SourceRecord.objects.count(), FeedIssue.objects.count()) == before
    assert keys("lojack") == {kept}
    assert AuditEntry.objects.filter(action="inventory.feed_reject", object_id=str(run.pk)).exists()


def test_every_import_reports_its_metrics_to_monitoring():
    run = feed_import(source="lojack", data=lojack_rows([make_vin(), make_vin()]))
    rejected = feed_import(source="lojack", data=b"nothing useful\n")
    for r, vehicles in ((run, 2), (rejected, 0)):
        metrics = dict(
            Metric.objects.filter(source="inventory.feed", run_id=r.pk).values_list("name", "value")
        )
        assert set(metrics) == {"rows_read", "vehicles", "invalid_rows", "duplicates",
                                "duration_seconds"}  # fmt: skip
        assert metrics["vehicles"] == vehicles


def test_back_filled_runs_and_their_metrics_are_dated_as_of_their_day():
    """The demo's past days: an import and a reconciliation ``as_of`` a morning 13 days ago
    are dated that morning, and so are the metrics monitoring charts them by."""
    morning = timezone.now().replace(microsecond=0) - timedelta(days=13)
    run = feed_import(source="lojack", data=lojack_rows([make_vin()]), as_of=morning)
    reconciled = vehicles_reconcile(as_of=morning + timedelta(minutes=30))
    for source, r in (("inventory.feed", run), ("inventory.reconcile", reconciled)):
        r.refresh_from_db()
        assert r.started_at >= morning and r.finished_at - r.started_at < timedelta(minutes=1)
        recorded = set(Metric.objects.filter(source=source, run_id=r.pk)
                       .values_list("recorded_at", flat=True))  # fmt: skip
        assert recorded == {r.finished_at}
    live = feed_import(source="lojack", data=lojack_rows([make_vin()]))
    assert timezone.now() - live.finished_at < timedelta(minutes=1)


def test_command_prints_a_summary_and_fails_on_rejection(tmp_path, capsys):
    good = tmp_path / "lojack.csv"
    good.write_bytes(lojack_rows([make_vin()]))
    call_command("import_feed", "lojack", str(good))
    assert "1 vehicle, 0 invalid" in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"Stock,Make\n1,Ford\n")
    with pytest.raises(CommandError, match="rejected"):
        call_command("import_feed", "cdk", str(bad))
    assert FeedImport.objects.filter(status="rejected").count() == 1


def test_command_refuses_a_store_name_with_control_characters(tmp_path):
    feed = tmp_path / "lojack.csv"
    feed.write_bytes(lojack_rows([make_vin()]))
    with pytest.raises(CommandError, match="control characters"):
        call_command("import_feed", "lojack", str(feed), "--store", "North\tSouth")
    assert not FeedImport.objects.exists()


@pytest.mark.parametrize("name", ["missing.csv", "a_folder"])
def test_command_refuses_a_path_it_cannot_read_and_records_no_run(tmp_path, name):
    """A mistyped path is the command's error, said in one line: no import ran. Before,
    it made a failed run (monitoring's metrics and alert rules saw an import fail) and a
    logged traceback; a folder's path ended in an uncaught IsADirectoryError."""
    (tmp_path / "a_folder").mkdir()
    path = tmp_path / name
    with pytest.raises(CommandError, match=f"Cannot read {re.escape(str(path))}: "):
        call_command("import_feed", "lojack", str(path))
    assert not FeedImport.objects.exists()


def test_control_characters_leave_the_file_name():
    run = feed_import(source="lojack", data=lojack_rows([make_vin()]), filename="lj\x00.csv")
    assert run.status == "succeeded" and run.filename == "lj.csv"


def test_a_moved_eta_rewrites_the_oem_row_a_new_last_report_leaves_lojack_as_sent():
    """An allocation's ETA is what triage reads on the vehicle page: a snapshot moving it
    rewrites the row. LoJack's last report moves every day: the row keeps the one of the
    import that last changed a reconciled field (the README's daily-snapshot rule)."""
    vin = make_vin()
    header = ["Order Number", "VIN", "Model Code", "ETA"]
    feed_import(source="oem", data=csv_bytes(header, [["A1", vin, "F15", "2026-12-01"]]))
    moved = feed_import(source="oem", data=csv_bytes(header, [["A1", vin, "F15", "2026-12-20"]]))
    row = SourceRecord.objects.get(source="oem", key=vin)
    assert row.raw_line == f"A1,{vin},F15,2026-12-20" and "2026-12-20" in row.extra
    assert row.feed_import_id == moved.pk
    header = ["VIN", "Device ID", "Last Report"]
    first = feed_import(source="lojack", data=csv_bytes(header, [[vin, "D1", "2026-12-01"]]))
    feed_import(source="lojack", data=csv_bytes(header, [[vin, "D1", "2026-12-02"]]))
    row = SourceRecord.objects.get(source="lojack", key=vin)
    assert row.raw_line == f"{vin},D1,2026-12-01" and row.feed_import_id == first.pk


def test_each_row_is_kept_as_the_source_sent_it():
    """The raw row is the file's text for that record (quotes, delimiter and a line break
    inside a quoted cell as sent), without its line end; the line number is where the
    record ends, as before."""
    a, b, c = make_vin(), make_vin(), make_vin()
    lines = [
        "VIN;Stock No;Make;Model;Cost;Store",
        f'{a};"S1";Ford;"F-150; XL";"$35,120.00";North',
        f'{b};S2;Jeep;"Wrangler\r\nRubicon";1000;"South ""2"""',
        "",
        f"  {c.lower()} ;S3;Ram;1500;;East",
    ]
    run = feed_import(source="cdk", data=("\r\n".join(lines) + "\r\n").encode())
    assert (run.status, run.vehicles, run.rows_read) == ("succeeded", 3, 3), run.error
    rows = {r.key: r for r in SourceRecord.objects.filter(source="cdk")}
    assert rows[a].raw_line == lines[1] and rows[a].line_number == 2
    assert rows[b].raw_line == lines[2] and rows[b].line_number == 4  # the record spans 3-4
    assert rows[c].raw_line == lines[4] and rows[c].line_number == 6
    assert (rows[a].model, rows[a].cost, rows[b].model, rows[b].store) == (
        "F-150; XL", Decimal("35120.00"), "Wrangler\r\nRubicon", 'South "2"',
    )  # fmt: skip


def test_the_command_counts_in_the_singular_and_the_plural(tmp_path, capsys):
    vin = make_vin()
    path = tmp_path / "cdk.csv"
    path.write_bytes(csv_bytes(["VIN", "Cost"], [[vin, "n/a"], [vin.lower(), "1"]]))
    call_command("import_feed", "cdk", str(path))
    out = capsys.readouterr().out
    assert "cdk: 2 rows, 1 vehicle, 0 invalid, 1 duplicate, 1 warning.\n" in out
    assert "Imported cdk: 1 vehicle, 0 gone since last time." in out
    assert "2 rows read, 1 vehicle, 0 invalid, 1 duplicate, 1 warning in " in out


def test_a_store_import_never_takes_another_stores_rows():
    """``--store North``: the file is North's snapshot. A row naming South is an issue, not
    a vehicle moved into North; South's rows stay as they were."""
    north, south, new, unnamed = make_vin(), make_vin(), make_vin(), make_vin()
    feed_import(source="cdk", data=cdk_rows({north: {"store": "North"}, south: {"store": "South"}}))
    data = cdk_rows({new: {"store": " north "}, south: {"store": "South", "cost": "1.00"},
                     unnamed: {"store": ""}})  # fmt: skip
    run = feed_import(source="cdk", data=data, store="North")
    assert (run.status, run.rows_read, run.vehicles, run.invalid_rows) == ("succeeded", 3, 2, 1)
    stored = dict(SourceRecord.objects.filter(source="cdk").values_list("key", "store"))
    assert stored == {new: "North", unnamed: "North", south: "South"}  # north: gone from North
    assert SourceRecord.objects.get(key=south).cost == Decimal("30000.00")  # untouched
    issues = FeedIssue.objects.filter(feed_import=run).values_list("line_number", "reason",
                                                                  "raw_value")  # fmt: skip
    assert list(issues) == [(3, "other_store", "South")]


def test_a_quoted_field_never_closed_rejects_the_file_and_writes_nothing():
    """Before, the rest of the file was read into one cell: one vehicle imported, the
    others gone from the snapshot."""
    kept = [make_vin() for _ in range(4)]
    feed_import(source="cdk", data=cdk_rows(dict.fromkeys(kept, {})))
    lines = ["VIN,Stock No,Model,Cost", f'{kept[0]},S1,"F-150 Lariat,48200',
             *(f"{vin},S{n},Civic,20000" for n, vin in enumerate(kept[1:], 2))]  # fmt: skip
    run = feed_import(source="cdk", data=("\n".join(lines) + "\n").encode())
    assert run.status == "rejected"
    assert run.error.startswith("The quoted field opened on line 2 is never closed")
    assert keys("cdk") == set(kept)
    assert not FeedIssue.objects.filter(feed_import=run).exists()


def test_a_nul_byte_past_the_first_4_kb_is_reported_alike_on_every_backend():
    """Before: PostgreSQL's import failed (text cannot hold NUL), SQLite kept the NUL.
    Now a row's values lose it (as COPY drops it) and an issue shows it as U+FFFD."""
    filler = [[make_vin(), f"F{n}", "Model", "1000"] for n in range(150)]  # lines 2-151
    a, b, c = make_vin(), make_vin(), make_vin()
    rows = [[a, "S1", "Mod\x00el", "1000"], [b[:9] + "\x00" + b[9:], "S2", "X", "1"],
            [c, "S3", "Y", "12\x0034"]]  # lines 152-154  # fmt: skip
    data = csv_bytes(["VIN", "Stock No", "Model", "Cost"], filler + rows)
    assert data.index(b"\x00") > 4096
    run = feed_import(source="cdk", data=data)
    assert (run.status, run.vehicles, run.invalid_rows, run.warnings) == ("succeeded", 152, 1, 1)
    values = SourceRecord.objects.filter(key__in=[a, c]).order_by("line_number")
    assert list(values.values_list("model", "cost", "raw_line")) == [
        ("Model", Decimal("1000.00"), f"{a},S1,Model,1000"),
        ("Y", None, f"{c},S3,Y,1234"),
    ]  # fmt: skip
    issues = FeedIssue.objects.filter(feed_import=run).values_list(
        "line_number", "reason", "raw_value", "message"
    )
    assert list(issues) == [
        (153, "invalid_vin", b[:9] + "\ufffd" + b[9:], "Invalid VIN: 18 characters instead of 17."),
        (154, "invalid_value", "12\ufffd34", "Cost: not an amount: 12\ufffd34"),
    ]  # fmt: skip


@pytest.mark.parametrize("source", ["cdk", "lojack"])
def test_a_store_import_takes_the_store_in_its_known_spelling(tmp_path, source):
    """``--store "midway  honda"`` is Midway Honda's snapshot (the store as CDK names it):
    the vehicle missing from the file leaves it and the store keeps its spelling. Before,
    Midway Honda's rows all stayed and the file's were filed under a new "midway  honda"."""
    kept, gone, north = make_vin(), make_vin(), make_vin()
    midway = {"store": "Midway Honda"}
    feed_import(source="cdk", data=cdk_rows({kept: midway, gone: midway, north: {}}))
    if source == "lojack":
        rows = [
            [f"D{i}", vin, "", "", store]
            for i, (vin, store) in enumerate(
                [(kept, "Midway Honda"), (gone, "Midway Honda"), (north, "North")]
            )
        ]
        feed_import(source="lojack", data=csv_bytes(LOJACK_HEADER, rows))
    vehicles_reconcile()
    path = tmp_path / f"{source}.csv"
    path.write_bytes(
        cdk_rows({kept: {"store": "midway honda"}})
        if source == "cdk"
        else lojack_rows([kept], store="MIDWAY HONDA")
    )
    call_command("import_feed", source, str(path), "--store", "midway  honda")
    stored = dict(SourceRecord.objects.filter(source=source).values_list("key", "store"))
    assert stored == {kept: "Midway Honda", north: "North"}
    assert FeedImport.objects.latest("pk").store == "Midway Honda"
    vehicles_reconcile()
    assert Vehicle.objects.get(vin=kept).store == "Midway Honda"
    assert not Vehicle.objects.filter(vin=gone, **{f"in_{source}": True}).exists()
    assert set(Vehicle.objects.exclude(store="").values_list("store", flat=True)) == {
        "Midway Honda", "North",
    }  # fmt: skip


def test_a_store_import_by_a_store_alias_is_that_stores(tmp_path):
    """``--store C55555`` on the OEM file, C55555 being the OEM's dealer code of Midway
    Honda (a store alias): Midway Honda's OEM snapshot, the rows kept. Before, every row
    (naming C55555, that is Midway Honda) was another store's than "C55555"."""
    from inventory.models import StoreAlias

    StoreAlias.objects.create(name="C55555", source="oem", store="Midway Honda")
    feed_import(source="cdk", data=cdk_rows({make_vin(): {"store": "Midway Honda"}}))
    orders = [[order, "", "F15", "", "", "C55555"] for order in ("A1", "A2")]
    feed_import(source="oem", data=csv_bytes(OEM_HEADER, orders))
    path = tmp_path / "oem.csv"
    path.write_bytes(csv_bytes(OEM_HEADER, orders[:1]))
    call_command("import_feed", "oem", str(path), "--store", "c55555")
    run = FeedImport.objects.latest("pk")
    # A1 has no VIN yet: an order kept in the snapshot, no vehicle
    assert (run.status, run.store, run.vehicles, run.invalid_rows) == (
        "succeeded", "Midway Honda", 0, 0,
    )  # fmt: skip
    stored = dict(SourceRecord.objects.filter(source="oem").values_list("key", "store"))
    assert stored == {"order:A1": "Midway Honda"}  # A2 is gone from Midway Honda's orders


def test_a_store_import_replaces_the_rows_filed_under_another_spelling(tmp_path):
    """A whole-group LoJack file filed two devices under ``MIDWAY HONDA``; Midway Honda's
    own file then holds one: the other leaves, whatever the spelling it was filed under,
    and the upload's preview counts it in the store's part. Before, it stayed."""
    from inventory.services.uploads import snapshot_change

    kept, gone, north = make_vin(), make_vin(), make_vin()
    feed_import(source="cdk", data=cdk_rows({kept: {"store": "Midway Honda"}}))
    feed_import(source="lojack", data=lojack_rows([kept, gone], store="MIDWAY HONDA"))
    feed_import(source="lojack", data=lojack_rows([north]), store="North")
    change = snapshot_change(source="lojack", store="Midway Honda", keys=[kept])
    assert (change.now, change.kept, change.moved) == (2, 1, 0)
    path = tmp_path / "lojack.csv"
    path.write_bytes(lojack_rows([kept], store="Midway Honda"))
    call_command("import_feed", "lojack", str(path), "--store", "Midway Honda")
    stored = dict(SourceRecord.objects.filter(source="lojack").values_list("key", "store"))
    assert stored == {kept: "Midway Honda", north: "North"}
