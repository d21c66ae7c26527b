"""Store aliases: an OEM file naming stores by dealer code lands under the store's name.

Imports go through ``feed_import`` (the row parser on SQLite, the columnar reader
streaming into COPY on PostgreSQL), so each import test here checks both backends; the
admin pages answer managers and the admin and refuse the others.
"""

import io

import pytest
import tablib
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from inventory.dashboard import dashboard_data
from inventory.feeds.parsing import feed_parse
from inventory.models import (
    FeedIssue,
    InventoryException,
    Source,
    SourceRecord,
    StoreAlias,
    Vehicle,
)
from inventory.resources import StoreAliasResource
from inventory.selectors import known_stores, store_aliases, unmapped_store_names
from inventory.services import feed_import, vehicles_reconcile
from inventory.services.uploads import snapshot_change
from tests.inventory.factories import (
    CDK_HEADER,
    LOJACK_HEADER,
    OEM_HEADER,
    VAUTO_HEADER,
    csv_bytes,
    make_vin,
)

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:inventory_storealias_changelist")
ADD = reverse("admin:inventory_storealias_add")


def _oem(orders: list[tuple[str, str, str]]) -> bytes:
    """An OEM allocations file: (order number, VIN, dealer code) per row."""
    return csv_bytes(
        OEM_HEADER, [[order, vin, "F15", "50000", "45000", code] for order, vin, code in orders]
    )


def _store_of(source: str, key: str) -> str:
    return SourceRecord.objects.get(source=source, key=key).store


@pytest.fixture
def group():
    """CDK, vAuto and LoJack agree on one Northside Ford car; the OEM file holds three
    vehicles CDK does not have (CRITICAL oem_not_in_cdk), two under Northside Ford's
    dealer code C55555 (once written "c 55555"), one under the unmapped C77777."""
    car, b, c, d = make_vin(), make_vin(), make_vin(), make_vin()
    feeds = {
        "cdk": csv_bytes(CDK_HEADER, [[car, "S1", 2024, "Ford", "F-150", "30000", "40000",
                                       "Northside Ford"]]),
        "vauto": csv_bytes(VAUTO_HEADER, [["S1", car, 2024, "Ford", "F-150", "41000", 12,
                                           "Northside Ford"]]),
        "lojack": csv_bytes(LOJACK_HEADER, [["D1", car, "S1", "2026-01-01", "Northside Ford"]]),
        "oem": _oem([("O1", b, "C55555"), ("O2", c, "c 55555"), ("O3", d, "C77777")]),
    }  # fmt: skip
    return {"car": car, "coded": (b, c), "unmapped": d, "feeds": feeds}


def _import_all(feeds: dict[str, bytes]) -> None:
    for source, data in feeds.items():
        run = feed_import(source=source, data=data, filename=f"{source}.csv")
        assert run.status == "succeeded", run.error


def test_an_oem_file_with_a_mapped_dealer_code_lands_under_the_store_name(group):
    StoreAlias.objects.create(name="C55555", source="oem", store="Northside Ford")
    _import_all(group["feeds"])
    b, c = group["coded"]
    # the code in either spelling is the store; the unmapped code stays as sent
    assert (_store_of("oem", b), _store_of("oem", c)) == ("Northside Ford", "Northside Ford")
    assert _store_of("oem", group["unmapped"]) == "C77777"
    assert "C55555" in SourceRecord.objects.get(source="oem", key=b).raw_line  # as sent
    run = vehicles_reconcile()
    assert dict(Vehicle.objects.filter(vin__in=[b, c]).values_list("vin", "store")) == {
        b: "Northside Ford", c: "Northside Ford",
    }  # fmt: skip
    critical = InventoryException.objects.filter(kind="oem_not_in_cdk")
    assert sorted(critical.values_list("store", flat=True)) == [
        "C77777", "Northside Ford", "Northside Ford",
    ]  # fmt: skip
    # by hand: the car is in CDK, vAuto and LoJack (no exception); b and c are OEM-only
    # under Northside Ford, d OEM-only under C77777
    assert run.by_store == {
        "Northside Ford": {"oem_not_in_cdk": 2},
        "C77777": {"oem_not_in_cdk": 1},
    }
    by_store = {row["store"]: row["total"] for row in dashboard_data()["by_store"]}
    assert by_store == {"C77777": 1, "Northside Ford": 2}
    assert known_stores() == ["C77777", "Northside Ford"]  # the admin's store filter


def test_without_the_alias_the_codes_are_stores_of_their_own(group):
    """What the alias fixes: the dealer code is a store on the dashboard."""
    _import_all(group["feeds"])
    run = vehicles_reconcile()
    assert run.by_store == {
        "C55555": {"oem_not_in_cdk": 1}, "c 55555": {"oem_not_in_cdk": 1},
        "C77777": {"oem_not_in_cdk": 1},
    }  # fmt: skip


def test_an_alias_added_later_applies_from_the_next_import(group):
    _import_all(group["feeds"])
    b, _ = group["coded"]
    StoreAlias.objects.create(name="C55555", source="oem", store="Northside Ford")
    assert _store_of("oem", b) == "C55555"  # rows already imported keep the code
    feed_import(source="oem", data=group["feeds"]["oem"])
    assert _store_of("oem", b) == "Northside Ford"
    vehicles_reconcile()
    assert Vehicle.objects.get(vin=b).store == "Northside Ford"  # re-queued by the change


def test_the_oem_file_with_codes_imported_for_the_store_keeps_that_stores_rows(group):
    StoreAlias.objects.create(name="C55555", source="oem", store="Northside Ford")
    run = feed_import(source="oem", data=group["feeds"]["oem"], store="Northside Ford")
    assert (run.status, run.rows_read, run.vehicles, run.invalid_rows) == ("succeeded", 3, 2, 1)
    b, c = group["coded"]
    oem = SourceRecord.objects.filter(source="oem")
    assert dict(oem.values_list("key", "store")) == {b: "Northside Ford", c: "Northside Ford"}
    (issue,) = FeedIssue.objects.filter(feed_import=run)
    assert (issue.line_number, issue.reason, issue.raw_value) == (4, "other_store", "C77777")
    assert issue.message.startswith("The row is C77777's, not Northside Ford's")


def test_a_store_import_replaces_the_rows_filed_under_a_code_before_its_alias(group):
    """Imported before the alias, the OEM rows keep the dealer code as their store. The
    store's next import, the alias added, replaces those rows too (they are its part of
    the snapshot): an order gone from its file leaves the OEM snapshot instead of staying
    a CRITICAL exception; the upload preview counts them in the store's part."""
    _import_all(group["feeds"])
    b, c = group["coded"]
    StoreAlias.objects.create(name="C55555", source="oem", store="Northside Ford")
    change = snapshot_change(
        source="oem", store="Northside Ford", keys=[b], stores=store_aliases("oem")
    )
    # by hand: b and c (sent as C55555 and "c 55555") are the store's now; b stays
    assert (change.now, change.kept, change.removed, change.added) == (2, 1, 1, 0)
    run = feed_import(source="oem", data=_oem([("O1", b, "C55555")]), store="Northside Ford")
    assert run.status == "succeeded", run.error
    oem = SourceRecord.objects.filter(source="oem")
    assert dict(oem.values_list("key", "store")) == {
        b: "Northside Ford", group["unmapped"]: "C77777",
    }  # fmt: skip
    run = vehicles_reconcile()
    # by hand: b and d OEM-only (CRITICAL), c gone from every source
    assert (run.vehicles, run.oem_not_in_cdk, run.sources["oem"]) == (3, 2, 2)
    assert run.by_store == {
        "Northside Ford": {"oem_not_in_cdk": 1},
        "C77777": {"oem_not_in_cdk": 1},
    }


def test_without_the_alias_the_store_import_refuses_every_coded_row(group):
    run = feed_import(source="oem", data=group["feeds"]["oem"], store="Northside Ford")
    assert run.status == "rejected"  # no usable row: all three name another store
    assert not SourceRecord.objects.filter(source="oem").exists()


def test_a_row_mapped_to_another_store_is_that_stores_not_the_given_one():
    StoreAlias.objects.create(name="C66666", source="oem", store="Midway Honda")
    a, b = make_vin(), make_vin()
    data = _oem([("O1", a, "C55555"), ("O2", b, "C66666")])
    StoreAlias.objects.create(name="C55555", source="oem", store="Northside Ford")
    run = feed_import(source="oem", data=data, store="Northside Ford")
    assert (run.vehicles, run.invalid_rows) == (1, 1)
    issue = FeedIssue.objects.get(feed_import=run)
    assert (issue.raw_value, issue.message) == (
        "C66666",
        "The row is Midway Honda's (sent as C66666), not Northside Ford's: this file was "
        "imported as Northside Ford's snapshot.",
    )


def test_an_alias_for_one_source_leaves_the_other_sources_rows_alone():
    StoreAlias.objects.create(name="C55555", source="oem", store="Northside Ford")
    StoreAlias.objects.create(name="NSF", source="", store="Northside Ford")  # every source
    StoreAlias.objects.create(name="nsf", source="lojack", store="Northside Lot")  # wins there
    a, b, c = make_vin(), make_vin(), make_vin()
    feed_import(source="vauto", data=csv_bytes(VAUTO_HEADER, [
        ["S1", a, 2024, "Ford", "F-150", "1", 1, "C55555"],
        ["S2", b, 2024, "Ford", "F-150", "1", 1, "nsf"],
    ]))  # fmt: skip
    feed_import(source="lojack", data=csv_bytes(LOJACK_HEADER, [["D1", c, "S", "", "NSF"]]))
    feed_import(source="oem", data=_oem([("O1", a, "NSF")]))
    assert _store_of("vauto", a) == "C55555"  # mapped for OEM only
    assert _store_of("vauto", b) == "Northside Ford"
    assert _store_of("lojack", c) == "Northside Lot"
    assert _store_of("oem", a) == "Northside Ford"
    assert store_aliases("lojack") == {"nsf": "Northside Lot"}
    assert store_aliases("oem") == {"c55555": "Northside Ford", "nsf": "Northside Ford"}


def test_the_parser_maps_names_as_store_key_compares_them_and_keeps_others():
    """Parsing alone (no database): the aliases come in as a plain mapping."""
    a, b, c = make_vin(), make_vin(), make_vin()
    data = _oem([("O1", a, " c  55555 "), ("O2", b, "C55555X"), ("O3", c, "")])
    feed = feed_parse("oem", data, stores={"C55555": "Northside Ford"})
    assert [(r[0], r[3]) for r in feed.records] == [(a, "Northside Ford"), (b, "C55555X"), (c, "")]


# ---------------------------------------------------------------------------------------
# The admin: managers and the admin keep the aliases; the others are refused.


@pytest.mark.parametrize("role", ["admin_user", "manager"])
def test_the_alias_pages_answer_the_admin_and_managers(request, role, client_for):
    client = client_for(request.getfixturevalue(role))
    alias = StoreAlias.objects.create(name="C55555", source="oem", store="Northside Ford")
    listing = client.get(CHANGELIST, {"q": "c555"})
    assert listing.status_code == 200
    body = listing.content.decode()
    assert "C55555" in body and "from each source&#x27;s next import" in body
    add = client.get(ADD, {"name": "C77777", "source": "oem"})
    assert add.status_code == 200 and 'value="C77777"' in add.content.decode()
    response = client.post(ADD, {"name": " C77777 ", "source": "oem", "store": "Midway Honda"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert StoreAlias.objects.get(name="C77777").store == "Midway Honda"
    change = reverse("admin:inventory_storealias_change", args=[alias.pk])
    assert client.get(change).status_code == 200
    assert client.get(reverse("admin:inventory_storealias_export")).status_code == 200
    assert client.get(reverse("admin:inventory_storealias_import")).status_code == 200


@pytest.mark.parametrize("role", ["outsider", "clerk", "triage_user"])
def test_the_alias_pages_refuse_the_other_roles(request, role, client_for):
    client = client_for(request.getfixturevalue(role))
    StoreAlias.objects.create(name="C55555", source="oem", store="Northside Ford")
    urls = (CHANGELIST, ADD, reverse("admin:inventory_storealias_import"),
            reverse("admin:inventory_storealias_export"))  # fmt: skip
    for url in urls:
        assert _refused(client.get(url)), url
    response = client.post(ADD, {"name": "C77777", "source": "oem", "store": "Midway Honda"})
    assert _refused(response)
    assert not StoreAlias.objects.filter(name="C77777").exists()


def _refused(response) -> bool:
    """403 for staff without the permission; the login page for a user who is not staff."""
    login = reverse("admin:login")
    return response.status_code == 403 or (
        response.status_code == 302 and response["Location"].startswith(login)
    )


def test_a_name_mapped_twice_for_a_source_or_an_alias_of_an_alias_is_refused():
    StoreAlias.objects.create(name="C55555", source="oem", store="Northside Ford")
    for name, source, store, field in (
        ("c 55555", "oem", "Midway Honda", "name"),  # the same name as the parser compares
        ("NF", "", "C55555", "store"),  # a mapped name: not looked up again
        ("Northside Ford", "oem", "Northside Motors", "name"),  # a store aliases point to
        ("Midway", "oem", "Midway", "store"),  # nothing to map
        ("C\t1", "oem", "Midway", "name"),
    ):
        with pytest.raises(ValidationError) as caught:
            StoreAlias(name=name, source=source, store=store).full_clean()
        assert field in caught.value.message_dict, (name, caught.value.message_dict)
    StoreAlias(name="c 55555", source="vauto", store="Midway Honda").full_clean()  # another source
    # a spelling of the store mapped to the very store the code gives: no chain to refuse
    StoreAlias(name="northside  FORD", source="", store="Northside Ford").full_clean()
    StoreAlias(name="C66666", source="oem", store="Northside Ford").full_clean()


def test_the_list_shows_the_store_names_no_alias_maps_and_cdk_does_not_use(
    group, admin_user, client_for, django_assert_num_queries
):
    _import_all(group["feeds"])
    feed_import(source="vauto", data=csv_bytes(VAUTO_HEADER, [
        ["S1", group["car"], 2024, "Ford", "F-150", "1", 1, "northside FORD"],
    ]))  # fmt: skip
    StoreAlias.objects.create(name="c55555", source="oem", store="Northside Ford")
    with django_assert_num_queries(2):  # one grouped query over the rows, the aliases
        unmapped = unmapped_store_names()
    with django_assert_num_queries(1):  # the names in use come from the cache
        assert unmapped_store_names() == unmapped
    # by hand: OEM rows C55555 and "c 55555" are mapped (not yet re-imported), C77777 is
    # not; vAuto's "northside FORD" is CDK's store spelt another way; CDK's own is out
    assert [(u["name"], u["sources"], u["cdk_spelling"]) for u in unmapped] == [
        ("C77777", [("oem", "OEM allocations", 1)], ""),
        ("northside FORD", [("vauto", "vAuto", 1)], "Northside Ford"),
    ]
    body = client_for(admin_user).get(CHANGELIST).content.decode()
    assert "<code>C77777</code>" in body and "OEM allocations: 1" in body
    assert f"{ADD}?name=C77777&amp;source=oem" in body  # "Map it": the add form, prefilled
    StoreAlias.objects.create(name="C77777", source="oem", store="Midway Honda")
    assert [u["name"] for u in unmapped_store_names()] == ["northside FORD"]  # at once


def test_aliases_round_trip_as_csv_through_the_admin(admin_user, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    StoreAlias.objects.create(name="C55555", source="oem", store="Northside Ford")
    exported = StoreAliasResource().export().export("csv")
    assert exported.splitlines() == ["name,source,store", "C55555,oem,Northside Ford"]
    client = client_for(admin_user)
    text = exported + "C77777, OEM ,Midway Honda\nNSF,,Northside Ford\n"
    preview = client.post(reverse("admin:inventory_storealias_import"), {
        "resource": "0", "format": "0",
        "import_file": SimpleUploadedFile("aliases.csv", text.encode(), content_type="text/csv"),
    })  # fmt: skip
    assert preview.status_code == 200
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    assert [row.import_type for row in result.rows] == ["skip", "new", "new"]
    assert StoreAlias.objects.count() == 1  # a preview writes nothing
    confirm = preview.context["confirm_form"]
    response = client.post(reverse("admin:inventory_storealias_process_import"), confirm.initial)
    assert response.status_code == 302
    assert sorted(StoreAlias.objects.values_list("name", "source", "store")) == [
        ("C55555", "oem", "Northside Ford"), ("C77777", "oem", "Midway Honda"),
        ("NSF", "", "Northside Ford"),
    ]  # fmt: skip


def test_a_csv_row_mapping_a_name_twice_is_a_row_error():
    StoreAlias.objects.create(name="C55555", source="oem", store="Northside Ford")
    dataset = tablib.Dataset().load(
        io.StringIO("name,source,store\nc 55555,oem,Midway Honda\n"), format="csv"
    )
    result = StoreAliasResource().import_data(dataset, dry_run=True)
    assert result.has_validation_errors()
    (invalid,) = result.invalid_rows
    assert "already mapped to Northside Ford" in str(invalid.error_dict)


def test_the_upload_preview_reads_the_file_with_the_aliases(clerk, client_for, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    StoreAlias.objects.create(name="C55555", source="oem", store="Northside Ford")
    data = _oem([("O1", make_vin(), "C55555"), ("O2", make_vin(), "C77777")])
    preview = client_for(clerk).post(reverse("admin:inventory_feedimport_import"), {
        "resource": str(Source.values.index("oem")), "store": "Northside Ford", "format": "0",
        "import_file": SimpleUploadedFile("oem.csv", data, content_type="text/csv"),
    })  # fmt: skip
    (row,) = preview.context["result"].invalid_rows  # the C77777 row only
    assert row.number == 3 and list(row.error_dict) == ["Store"]


def _alias_preview(client, data: bytes):
    return client.post(reverse("admin:inventory_storealias_import"), {
        "resource": "0", "format": "0",
        "import_file": SimpleUploadedFile("aliases.csv", data, content_type="text/csv"),
    })  # fmt: skip


def test_an_alias_import_names_each_bad_row_by_its_file_line(manager, client_for, settings,
                                                            tmp_path):  # fmt: skip
    """BOM, CRLF, headers in capitals, a quoted name over two lines: the errors give the
    lines a spreadsheet shows, and nothing is written."""
    settings.MEDIA_ROOT = tmp_path
    StoreAlias.objects.create(name="C1", source="oem", store="Northside Ford")
    text = (
        "\ufeffNAME,Source,Store\r\n"  # line 1
        '"C\r\n2",oem,Midway Honda\r\n'  # lines 2-3: a control character in the name
        "Midway,oem,Midway\r\n"  # line 4: the name is the store
        "NF,,C1\r\n"  # line 5: an alias of an alias
        "C9,oem,Midway Honda\r\n"  # line 6: fine
        "C9,oem,Northside Ford\r\n"  # line 7: C9 again, another store
        "C8,oem,\r\n"  # line 8: no store
    )
    preview = _alias_preview(client_for(manager), text.encode())
    assert preview.status_code == 200
    errors = {row.number: row.error_dict for row in preview.context["result"].invalid_rows}
    assert sorted(errors) == [2, 4, 5, 7, 8]
    assert "control characters" in str(errors[2]) and "nothing to map" in str(errors[4])
    assert "C1 is itself mapped" in str(errors[5]) and "blank" in str(errors[8])
    assert "Line 6 gives source 'oem', name 'C9' other values" in str(errors[7])
    assert "confirm_form" not in preview.context or preview.context["confirm_form"] is None
    assert StoreAlias.objects.count() == 1


def test_a_row_repeated_as_is_imports_once_and_a_second_import_changes_nothing(
    manager, client_for, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(manager)
    data = b"name,source,store\nC1,oem,Northside Ford\nC1,OEM,Northside Ford \n"
    for expected in (["new", "skip"], ["skip", "skip"]):
        preview = _alias_preview(client, data)
        assert [row.import_type for row in preview.context["result"].rows] == expected
        confirm = preview.context["confirm_form"]
        client.post(reverse("admin:inventory_storealias_process_import"), confirm.initial)
        assert list(StoreAlias.objects.values_list("name", "source", "store")) == [
            ("C1", "oem", "Northside Ford")
        ]


def test_an_alias_file_not_in_utf8_is_refused_with_the_reason(manager, client_for, settings,
                                                             tmp_path):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path
    data = "name,source,store\nC1,oem,Café Ford\n".encode("cp1252")
    preview = _alias_preview(client_for(manager), data)
    assert preview.status_code == 200
    (error,) = preview.context["form"].errors["import_file"]
    assert error.startswith("The file is not UTF-8 text (byte 0xe9") and "CSV UTF-8" in error
    assert not StoreAlias.objects.exists()


def test_a_confirm_that_meets_a_new_conflict_writes_nothing(manager, client_for, settings,
                                                           tmp_path):  # fmt: skip
    """An alias added between preview and confirm makes one row invalid: all or nothing."""
    settings.MEDIA_ROOT = tmp_path
    client = client_for(manager)
    preview = _alias_preview(client, b"name,source,store\nC1,oem,Northside Ford\nC2,oem,Midway\n")
    StoreAlias.objects.create(name="c 2", source="oem", store="Eastside Kia")
    confirm = preview.context["confirm_form"]
    response = client.post(
        reverse("admin:inventory_storealias_process_import"), confirm.initial, follow=True
    )
    assert list(StoreAlias.objects.values_list("name", flat=True)) == ["c 2"]
    # told so, back on the import form, rather than "Import finished" with 0 rows
    assert response.redirect_chain[-1][0] == reverse("admin:inventory_storealias_import")
    assert [str(m) for m in response.context["messages"]] == [
        "Nothing was imported: 1 row(s) are invalid now (the data changed since the "
        "preview). Import the file again to see them."
    ]


def test_an_alias_file_with_bad_quoting_is_refused_naming_the_line(manager, client_for, settings,
                                                                   tmp_path):  # fmt: skip
    settings.MEDIA_ROOT = tmp_path
    data = b'name,source,store\nC1,oem,Northside Ford\n"C2" East,oem,Eastside Ford\n'
    preview = _alias_preview(client_for(manager), data)
    assert preview.status_code == 200
    (error,) = preview.context["form"].errors["import_file"]
    assert error.startswith("Line 3: bad quoting")
    assert not StoreAlias.objects.exists()
