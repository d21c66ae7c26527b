"""Reconciliation: each exception kind opened, kept, cleared and reopened; matrix and money."""

import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from fleetops.models import AuditEntry
from inventory.models import (
    InventoryException,
    InventorySettings,
    ReconciliationRun,
    RunLock,
    Vehicle,
)
from inventory.services import ReconcileBusy, feed_import, vehicles_reconcile
from monitoring.models import Metric
from tests.inventory.factories import make_vin
from tests.inventory.pgstats import histogram_sizes, statistics_target

pytestmark = pytest.mark.django_db


def exc(vin, kind):
    return InventoryException.objects.get(vin=vin, kind=kind)


@pytest.mark.parametrize(
    ("kind", "priority", "with_condition", "without_condition"),
    [
        # each: the snapshots that create the condition for X, then ones that fix it
        ("not_marketed", "HIGH", {"cdk": ["X"], "vauto": []}, {"cdk": ["X"], "vauto": ["X"]}),
        ("ghost_listing", "HIGH", {"cdk": [], "vauto": ["X"]}, {"cdk": ["X"], "vauto": ["X"]}),
        ("no_tracking", "MEDIUM", {"cdk": ["X"], "lojack": []}, {"cdk": ["X"], "lojack": ["X"]}),
        ("oem_not_in_cdk", "CRITICAL", {"cdk": [], "oem": ["X"]}, {"cdk": ["X"], "oem": ["X"]}),
    ],
)
def test_exception_lifecycle_open_keep_clear_reopen(load, kind, priority, with_condition,
                                                    without_condition):  # fmt: skip
    x, anchor = make_vin(), make_vin()  # anchor keeps every snapshot non-empty

    def snapshots(spec):
        out = {"cdk": {anchor: {}}, "vauto": [anchor], "lojack": [anchor], "oem": {}}
        for source, members in spec.items():
            vins = [x] if members else []
            if source == "cdk":
                out["cdk"] = {anchor: {}, **{v: {} for v in vins}}
            elif source == "oem":
                out["oem"] = {"O1": {"vin": x}} if members else {"O0": {}}
            else:
                out[source] = [anchor, *vins]
        if not out["oem"]:
            out["oem"] = {"O0": {}}
        return out

    load(**snapshots(with_condition))
    e = exc(x, kind)
    assert (e.state, e.priority, e.active) == ("open", priority, True)
    first_id = e.pk

    load(**snapshots(with_condition))  # kept, not duplicated
    assert InventoryException.objects.filter(vin=x, kind=kind).count() == 1
    assert exc(x, kind).state == "open"

    load(**snapshots(without_condition))  # cleared by feed
    e = exc(x, kind)
    assert (e.state, e.close_reason, e.active) == ("cleared", "cleared by feed", False)
    assert e.closed_at is not None
    assert list(
        AuditEntry.objects.filter(action="inventory_exception.cleared").values_list(
            "object_id", "actor", "note"
        )
    ) == [(str(e.pk), None, "cleared by feed")]

    load(**snapshots(with_condition))  # back again: the same row reopens
    e = exc(x, kind)
    assert (e.pk, e.state, e.times_reopened, e.closed_at) == (first_id, "open", 1, None)
    assert AuditEntry.objects.filter(action="inventory_exception.reopened").count() == 1


def test_resolved_exception_stays_resolved_while_the_condition_holds(load, triage_user):
    from inventory.services import exception_resolve

    x = make_vin()
    load(cdk={x: {}}, vauto=[make_vin()], lojack=[x], oem={"O0": {}})
    e = exc(x, "not_marketed")
    exception_resolve(exceptions=[e], user=triage_user, note="Sold wholesale, never listed")
    load(cdk={x: {}}, vauto=[make_vin()], lojack=[x], oem={"O0": {}})
    assert exc(x, "not_marketed").state == "resolved"


def test_pending_oem_orders_are_not_exceptions(load):
    anchor = make_vin()
    run = load(cdk={anchor: {}}, vauto=[anchor], lojack=[anchor],
               oem={"P1": {}, "P2": {}})  # fmt: skip
    assert run.pending_oem == 2
    assert run.oem_not_in_cdk == 0
    assert not InventoryException.objects.filter(kind="oem_not_in_cdk").exists()


def test_matrix_counts_and_money_match_an_independent_count(load):
    settings = InventorySettings.load()
    settings.floorplan_monthly_rate = Decimal("0.02")
    settings.save()
    vins = [make_vin() for _ in range(12)]
    cdk = {v: {"cost": f"{10000 + i * 1000}.00"} for i, v in enumerate(vins[:8])}
    vauto = vins[2:10]
    lojack = vins[0:4] + vins[9:11]
    oem = {f"O{i}": {"vin": v, "msrp": f"{50000 + i}"} for i, v in enumerate(vins[6:12])}
    oem["PENDING"] = {}
    run = load(cdk=cdk, vauto=vauto, lojack=lojack, oem=oem)

    # The same numbers, computed by hand from the sets above.
    present = {v: "".join(letter for letter, members in (
        ("C", set(cdk)), ("V", set(vauto)), ("L", set(lojack)),
        ("O", {o["vin"] for o in oem.values() if o.get("vin")})) if v in members)
        for v in vins}  # fmt: skip
    expected = {}
    for combo in present.values():
        expected[combo] = expected.get(combo, 0) + 1
    assert run.matrix == expected
    assert run.vehicles == 12
    assert run.aligned == sum(1 for c in present.values() if {"C", "V", "L"} <= set(c))
    cost = {v: Decimal(d["cost"]) for v, d in cdk.items()}
    msrp = {o["vin"]: Decimal(o["msrp"]) for o in oem.values() if o.get("vin")}
    not_marketed = [v for v in cdk if v not in vauto]
    untracked = [v for v in cdk if v not in lojack]
    oem_missing = [v for v in msrp if v not in cdk]
    assert run.not_marketed == len(not_marketed)
    assert run.ghost_listing == len([v for v in vauto if v not in cdk])
    assert run.no_tracking == len(untracked)
    assert run.oem_not_in_cdk == len(oem_missing)
    assert run.not_marketed_value == sum(cost[v] for v in not_marketed)
    assert run.untracked_value == sum(cost[v] for v in untracked)
    assert run.oem_at_risk == sum(msrp[v] for v in oem_missing)
    assert run.floorplan_monthly == (run.not_marketed_value * Decimal("0.02")).quantize(
        Decimal("0.01")
    )
    assert Vehicle.objects.get(vin=vins[2]).combo == present[vins[2]]


def test_reconcile_is_idempotent(load):
    a, b = make_vin(), make_vin()
    first = load(cdk={a: {}}, vauto=[b], lojack=[a], oem={"P": {}})
    rows = list(InventoryException.objects.values_list("vin", "kind", "state", "opened_at"))
    second = vehicles_reconcile()
    assert list(InventoryException.objects.values_list("vin", "kind", "state", "opened_at")) == rows
    assert first.matrix == second.matrix


def test_two_runs_never_overlap():
    RunLock.objects.update_or_create(name="reconcile", defaults={"holder": "run:999"})
    from django.utils import timezone

    RunLock.objects.filter(name="reconcile").update(claimed_at=timezone.now())
    with pytest.raises(ReconcileBusy) as info:
        vehicles_reconcile()
    assert info.value.run.status == "rejected"
    assert Metric.objects.filter(source="inventory.reconcile", run_id=info.value.run.pk).exists()


def test_a_failed_run_reports_its_duration_not_zero_counts(load, monkeypatch):
    """A run that fails rolls its counts back; reported as they stand (0 vehicles, 0%
    aligned) they read as an empty inventory on /metrics and halved the day's trend."""
    from inventory.services import reconcile

    a, b = make_vin(), make_vin()
    good = load(cdk={a: {}, b: {}}, vauto=[a], lojack=[a, b])

    def matching_fails(cursor, now):
        raise RuntimeError("matching failed")

    monkeypatch.setattr(reconcile, "matches_refresh", matching_fails)
    with pytest.raises(RuntimeError):
        vehicles_reconcile(full=True)
    failed = ReconciliationRun.objects.latest("pk")
    assert failed.status == "failed" and failed.error == "RuntimeError: matching failed"
    reported = Metric.objects.filter(source="inventory.reconcile", run_id=failed.pk)
    assert list(reported.values_list("name", flat=True)) == ["duration_seconds"]
    latest_vehicles = Metric.objects.filter(source="inventory.reconcile", name="vehicles")
    assert latest_vehicles.latest("recorded_at").run_id == good.pk
    assert latest_vehicles.latest("recorded_at").value == 2


def test_reconcile_json_has_exactly_the_documented_shape(load, capsys):
    a = make_vin()
    load(cdk={a: {}}, vauto=[a], lojack=[a], oem={"P": {}}, reconcile=False)
    call_command("reconcile", "--json")
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"run_id", "vehicles", "sources", "exceptions", "aligned",
                         "aligned_pct", "impact", "matrix"}  # fmt: skip
    assert set(data["sources"]) == {"cdk", "vauto", "lojack", "oem"}
    assert set(data["exceptions"]) == {"oem_not_in_cdk", "not_marketed", "ghost_listing",
                                       "no_tracking"}  # fmt: skip
    assert set(data["impact"]) == {"oem_at_risk", "not_marketed_value", "floorplan_monthly",
                                   "untracked_value"}  # fmt: skip
    assert data["matrix"] == {"CVL": 1} and data["aligned_pct"] == 100.0
    metrics = set(
        Metric.objects.filter(source="inventory.reconcile", run_id=data["run_id"]).values_list(
            "name", flat=True
        )
    )
    assert {"aligned_pct", "critical_open", "floorplan_monthly", "duration_seconds"} <= metrics


def test_probable_matches_pair_typos_and_stock_suffixes(load):
    real = make_vin()
    i = 12
    one_char = real[:i] + ("7" if real[i] != "7" else "8") + real[i + 1 :]
    other = make_vin()
    swapped = other[:13] + other[14] + other[13] + other[15:]
    anchor = make_vin()
    load(cdk={real: {}, other: {}, anchor: {}}, vauto=[one_char, swapped, anchor], lojack=[anchor],
         oem={"P": {}})  # fmt: skip
    from inventory.models import ProbableMatch

    pairs = set(ProbableMatch.objects.values_list("listing_vin", "vehicle_vin", "reason"))
    assert (one_char, real, "one_character") in pairs
    if swapped != other:
        assert (swapped, other, "transposition") in pairs


def test_one_character_typos_pair_at_every_position_and_two_differences_do_not(load):
    """A typo anywhere in the 17 characters pairs (the first 9 and the last 8 are matched
    by different joins); a VIN two characters away is another vehicle."""

    def typo(vin: str, i: int) -> str:
        return vin[:i] + "Z" + vin[i + 1 :]  # no VIN below has a Z

    # Serials far apart: any two of these VINs differ in several places.
    reals = [make_vin(wmi="2HG", serial=111_111 * k % 1_000_000) for k in range(1, 18)]
    listings = [typo(real, i) for i, real in enumerate(reals)]
    far_real = make_vin(wmi="3VW", serial=424_242)
    far = typo(typo(far_real, 2), 14)
    anchor = make_vin()
    load(cdk={**{v: {} for v in reals}, far_real: {}, anchor: {}},
         vauto=[*listings, far, anchor], lojack=[anchor], oem={"P": {}})  # fmt: skip
    from inventory.models import ProbableMatch

    pairs = set(
        ProbableMatch.objects.filter(reason="one_character").values_list(
            "listing_vin", "vehicle_vin"
        )
    )
    assert pairs == set(zip(listings, reals, strict=True))


def test_adjacent_swaps_pair_at_every_position_and_other_swaps_do_not(load):
    """Two adjacent characters swapped pair wherever they are (positions 1-9, 10-13 and
    14-17 are found by different joins, 9-10 and 13-14 by lookup); two characters swapped
    that are not adjacent are another vehicle."""
    wmis = ["1FT", "2HG", "3VW", "JHM", "WBA", "5YJ", "1G1", "KMH", "YV1", "SAL", "ZFF",
            "VF1", "TRU", "WDD", "JN1", "4T1", "1C4"]  # fmt: skip
    # serials of alternating digits: every two neighbours in a VIN differ, bar the check digit
    reals = [make_vin(wmi=w, serial=int(f"{k % 9 + 1}{(k + 4) % 9 + 1}" * 3))
             for k, w in enumerate(wmis)]  # fmt: skip

    def swap(vin: str, i: int, j: int) -> str:
        chars = list(vin)
        chars[i], chars[j] = chars[j], chars[i]
        return "".join(chars)

    expected = {(swap(r, i, i + 1), r) for i, r in enumerate(reals[:16]) if r[i] != r[i + 1]}
    assert {8, 12} <= {i for i, r in enumerate(reals[:16]) if r[i] != r[i + 1]}
    far = swap(reals[16], 3, 12)  # two characters apart: not a transposition
    assert far != reals[16]
    anchor = make_vin()
    load(cdk={**{v: {} for v in reals}, anchor: {}}, vauto=[*(x for x, _ in expected), far,
         anchor], lojack=[anchor], oem={"P": {}})  # fmt: skip
    from inventory.models import ProbableMatch

    pairs = set(
        ProbableMatch.objects.filter(reason="transposition").values_list(
            "listing_vin", "vehicle_vin"
        )
    )
    assert pairs == expected
    assert not ProbableMatch.objects.filter(listing_vin=far).exists()


def test_vin8_listing_is_paired_by_last_8_and_stock_suffix_and_confirm_clears_both(
    load, triage_user
):
    from inventory.feeds.parsing import feed_parse  # noqa: F401 (documents the format used)
    from inventory.models import ProbableMatch
    from inventory.services import feed_import, match_confirm
    from tests.inventory.factories import csv_bytes

    real, anchor = make_vin(), make_vin()
    load(cdk={real: {"stock": "PB3626R"}, anchor: {"stock": "A1"}}, vauto=[anchor],
         lojack=[real, anchor], oem={"P": {}}, reconcile=False)  # fmt: skip
    vin8_export = csv_bytes(["Stock #", "VIN 8"], [["PB3626", real[-8:]], ["A1", anchor[-8:]]])
    assert feed_import(source="vauto", data=vin8_export).status == "succeeded"
    run = vehicles_reconcile()
    match = ProbableMatch.objects.get(vehicle_vin=real)
    assert (match.listing_key, match.reason) == (f"vin8:{real[-8:]}:PB3626", "last8_stock")
    assert run.not_marketed == 2  # VIN-8 rows are not vehicles until confirmed

    assert match_confirm(match=match, user=triage_user)
    assert not match_confirm(match=match, user=triage_user)  # decided once
    run = vehicles_reconcile()
    assert run.not_marketed == 1
    assert exc(real, "not_marketed").state == "cleared"
    # The next VIN-8 export maps the same key to the VIN through the alias.
    feed_import(source="vauto", data=vin8_export)
    assert vehicles_reconcile().not_marketed == 1


def test_stock_numbers_pair_as_text_not_as_patterns(load):
    """A ``_`` or ``%`` in a stock number is a character like any other: ``PB_626`` is
    not ``PB3626`` with a suffix, ``PB%`` is not a prefix of ``PB3626R``; ``PB3626`` is."""
    from inventory.models import ProbableMatch
    from inventory.services import feed_import
    from tests.inventory.factories import csv_bytes

    real, other, anchor = make_vin(), make_vin(), make_vin()
    load(cdk={real: {"stock": "PB3626R"}, other: {"stock": "PB%"}, anchor: {"stock": "A1"}},
         vauto=[anchor], lojack=[real, other, anchor], oem={"P": {}}, reconcile=False)  # fmt: skip
    rows = [["PB_626", real[-8:]], ["PB3626", real[-8:]], ["PB36", other[-8:]]]
    assert feed_import(source="vauto", data=csv_bytes(["Stock #", "VIN 8"], rows)).status == (
        "succeeded"
    )
    vehicles_reconcile()
    pairs = set(ProbableMatch.objects.values_list("listing_key", "vehicle_vin"))
    assert pairs == {(f"vin8:{real[-8:]}:PB3626", real)}


def test_incremental_runs_agree_with_a_full_recompute(load):
    """Only changed VINs are recomputed; a full run over everything finds the same state."""
    vins = [make_vin() for _ in range(30)]
    load(cdk={v: {} for v in vins[:20]}, vauto=vins[5:25], lojack=vins[::2],
         oem={"O1": {"vin": vins[28]}, "P": {}})  # fmt: skip
    # Day 2: some sold (gone from CDK and vAuto), some arrive, prices change.
    load(cdk={v: {"cost": "12345.00"} for v in vins[3:23]}, vauto=vins[8:27],
         lojack=vins[1::2], oem={"O1": {"vin": vins[28]}, "O2": {"vin": vins[3]}})  # fmt: skip

    def state():
        return (
            sorted(InventoryException.objects.values_list("vin", "kind", "state", "active",
                                                          "amount")),
            sorted(Vehicle.objects.values_list("vin", "combo", "cost")),
        )  # fmt: skip

    incremental = state()
    last = vehicles_reconcile()
    full = vehicles_reconcile(full=True)
    assert state() == incremental
    assert (full.matrix, full.not_marketed_value) == (last.matrix, last.not_marketed_value)
    gone = Vehicle.objects.get(vin=vins[0])  # in CDK on day 1 only; LoJack dropped it too
    assert gone.combo == "" and not gone.in_cdk


def test_deleting_a_run_clears_the_exceptions_link_to_it(load):
    """The run key has no database constraint (speed); Django still nulls it on delete."""
    from inventory.models import ReconciliationRun

    a = make_vin()
    run = load(cdk={a: {}}, vauto=[a], lojack=[])
    exception = InventoryException.objects.get(vin=a, kind="no_tracking")
    assert exception.last_event_run_id == run.pk
    ReconciliationRun.objects.filter(pk=run.pk).delete()
    exception.refresh_from_db()
    assert exception.last_event_run_id is None and exception.state == "open"


def test_first_run_into_empty_tables_leaves_the_same_indexes_and_the_same_state(load):
    """On PostgreSQL a first run drops the indexes of the (empty) vehicle and exception
    tables, all but the primary key's (unique constraints too), and builds them again
    after its bulk INSERT: the same indexes and constraints are there afterwards, and a
    full recompute finds nothing to change."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the index rebuild is PostgreSQL only")

    tables = [Vehicle._meta.db_table, InventoryException._meta.db_table]

    def indexes():
        # names, columns, operator classes, uniqueness and whether partial (a rebuilt
        # predicate is deparsed with its casts in another place, the same condition)
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT t.relname, i.relname, x.indisunique, x.indkey::text, "
                "x.indclass::text, x.indpred IS NULL, x.indisvalid FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
                "WHERE t.relname = ANY(%s) ORDER BY 1, 2",
                [tables],
            )
            found = cursor.fetchall()
            cursor.execute(
                "SELECT t.relname, c.conname, c.contype, pg_get_constraintdef(c.oid) "
                "FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid "
                "WHERE t.relname = ANY(%s) ORDER BY 1, 2",
                [tables],
            )
            return found, cursor.fetchall()

    before = indexes()
    assert any(kind == "u" for _, _, kind, _ in before[1])  # the VIN's, (VIN, kind)'s
    vins = [make_vin() for _ in range(6)]
    run = load(cdk={v: {} for v in vins[:4]}, vauto=vins[2:], lojack=vins[::2],
               oem={"O1": {"vin": vins[5]}})  # fmt: skip
    assert Vehicle.objects.count() == 6 and InventoryException.objects.exists()
    assert indexes() == before
    state = sorted(InventoryException.objects.values_list("vin", "kind", "state", "updated_at"))
    full = vehicles_reconcile(full=True)
    assert full.matrix == run.matrix
    assert (
        sorted(InventoryException.objects.values_list("vin", "kind", "state", "updated_at"))
        == state
    )


def test_first_run_analyses_its_tables_from_a_small_sample(load):
    """A first run ends each table's load with a quick ANALYZE (statistics target 10: at
    most 11 histogram bounds for a column of distinct values, where the default of 100
    keeps one per value: the 40 vehicles' VINs, the 80 exceptions' ids) and puts the
    session's target back."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the index rebuild and its ANALYZE are PostgreSQL only")

    before = statistics_target()
    vins = [make_vin() for _ in range(40)]
    load(cdk={v: {} for v in vins}, vauto=[], lojack=[])  # 40 not marketed, 40 untracked
    assert 0 < histogram_sizes(Vehicle._meta.db_table, "vin")["vin"] <= 11
    assert 0 < histogram_sizes(InventoryException._meta.db_table, "id")["id"] <= 11
    assert statistics_target() == before


def test_a_store_spelled_two_ways_by_cdk_counts_once_under_its_known_spelling(load):
    """A whole-group CDK file writing ``Northside Ford`` and ``northside  ford``: one
    store on the dashboard, and the store's exceptions carry the one spelling the filters
    (admin, API) look for."""
    a, b, c = make_vin(), make_vin(), make_vin()
    cdk = (
        "VIN,Stock No,Cost,Store\n"
        f"{a},S1,100,Northside Ford\n{b},S2,200,northside  ford\n{c},S3,300,northside ford\n"
    ).encode()
    assert feed_import(source="cdk", data=cdk, filename="cdk.csv").status == "succeeded"
    run = vehicles_reconcile()
    assert run.by_store == {"Northside Ford": {"no_tracking": 3, "not_marketed": 3}}
    assert set(Vehicle.objects.values_list("store", flat=True)) == {"Northside Ford"}
    assert set(InventoryException.objects.values_list("store", flat=True)) == {"Northside Ford"}


def test_a_store_whose_known_spelling_changes_is_renamed_on_vehicles_outside_the_run(load):
    """The known spelling of a store is the one most of its CDK rows carry (a tie: the
    first in sort order). One row sent as ``MIDWAY HONDA`` does not rename the store; when
    most rows are, every vehicle and exception of the store takes it, not only those whose
    row changed; and back when they go. An incremental run ends as a full run would."""
    a, b, c = make_vin(), make_vin(), make_vin()

    def day(a_store, b_store):
        cdk = (
            f"VIN,Stock No,Cost,Store\n{a},S1,100,{a_store}\n{b},S2,200,{b_store}\n"
            f"{c},S3,300,Midway Honda\n"
        )
        assert feed_import(source="cdk", data=cdk.encode(), filename="cdk.csv").status == (
            "succeeded"
        )
        return vehicles_reconcile()

    def stores():
        return (
            set(Vehicle.objects.values_list("store", flat=True)),
            set(InventoryException.objects.values_list("store", flat=True)),
        )

    # a, b and c: not marketed and not tracked (no vAuto, no LoJack)
    assert day("Midway Honda", "Midway Honda").by_store == {
        "Midway Honda": {"no_tracking": 3, "not_marketed": 3}
    }
    run = day("Midway Honda", "MIDWAY HONDA")  # one row of three: the store keeps its name
    assert run.by_store == {"Midway Honda": {"no_tracking": 3, "not_marketed": 3}}
    assert stores() == ({"Midway Honda"}, {"Midway Honda"})
    run = day("MIDWAY HONDA", "MIDWAY HONDA")  # two of three; c's row did not change
    assert run.by_store == {"MIDWAY HONDA": {"no_tracking": 3, "not_marketed": 3}}
    assert stores() == ({"MIDWAY HONDA"}, {"MIDWAY HONDA"})
    run = day("Midway Honda", "Midway Honda")  # back: c is spelled as CDK's rows are again
    assert run.by_store == {"Midway Honda": {"no_tracking": 3, "not_marketed": 3}}
    assert stores() == ({"Midway Honda"}, {"Midway Honda"})
