"""What triage staff met on the demo data, in the exceptions and vehicles lists: short
searches that found nothing unsaid, bulk actions that stopped at 5,000 unsaid."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.admin.exceptions import InventoryExceptionAdmin
from inventory.models import InventoryException, Vehicle
from tests.inventory.factories import make_vin

pytestmark = pytest.mark.django_db
EXCEPTIONS = reverse("admin:inventory_inventoryexception_changelist")
VEHICLES = reverse("admin:inventory_vehicle_changelist")


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# ---- search: short VIN prefixes, stock numbers give or take a suffix -------------------


@pytest.fixture
def searchable(load):
    chrysler, honda = make_vin("1C4"), make_vin("2HG")
    load(cdk={chrysler: {"stock": "PF04328R"}, honda: {"stock": "PB3626"}}, vauto=[],
         lojack=[chrysler, honda])  # fmt: skip
    return chrysler, honda


@pytest.mark.parametrize(
    ("term", "found"),
    [
        ("1C4", {"chrysler"}),  # the first three characters
        ("1c4-ew1", {"chrysler"}),  # six, typed loosely
        ("PF04328", {"chrysler"}),  # the DMS stock PF04328R without its suffix
        ("pb3626r", {"honda"}),  # vAuto's PB3626 with the DMS suffix
        ("PF0432", set()),  # a stock number cut short is not a stock number
    ],
)
def test_the_search_finds_what_its_help_promises(searchable, triage_user, client_for, term,
                                                 found):  # fmt: skip
    chrysler, honda = searchable
    names = {chrysler: "chrysler", honda: "honda"}
    client = client_for(triage_user)
    for url in (EXCEPTIONS, VEHICLES):
        shown = client.get(url, {"q": term}).context["cl"].result_list
        assert {names[row.vin] for row in shown} == found, (url, term)


def test_a_term_too_short_for_a_vin_says_so(searchable, triage_user, client_for):
    client = client_for(triage_user)
    response = client.get(EXCEPTIONS, {"q": "1C"})
    assert list(response.context["cl"].result_list) == []
    assert messages_of(response) == [
        "“1C” is too short to search VINs by: type at least 3 characters of a VIN (or its "
        "last 8). It was looked up as a stock number only."
    ]
    body = client.get(EXCEPTIONS, {"q": "1C4"}).content.decode()
    assert "too short" not in body
    assert "its first 3 or more characters, or its last 8" in body  # the help text


def test_the_vin_prefix_search_reads_a_range_of_the_vin_index(searchable):
    """No pattern over the table: the prefix is a range (index), the stock an IN list."""
    from inventory.admin.filters import exact_search

    sql = str(exact_search(InventoryException.objects.all(), "1C4EW1").query).upper()
    assert "LIKE" not in sql
    assert '"VIN" >= 1C4EW1' in sql and '"VIN" < 1C4EW2' in sql


# ---- bulk actions change every selected row or say how many they left --------------


def _open_exceptions(n: int) -> list[int]:
    vehicle = Vehicle.objects.create(vin=make_vin(), in_cdk=True, combo="C")
    due = timezone.now() + timedelta(days=3)
    InventoryException.objects.bulk_create(
        InventoryException(vehicle=vehicle, vin=f"X{i:016d}", kind="not_marketed",
                           priority="HIGH", sla_due_at=due)
        for i in range(n)
    )  # fmt: skip
    return list(InventoryException.objects.values_list("pk", flat=True))


def _select_all(action: str, pks: list[int]) -> dict:
    return {"action": action, "select_across": "1", "index": "0", "_selected_action": pks[:1]}


def test_select_all_past_five_thousand_changes_every_row(triage_user, client_for):
    pks = _open_exceptions(5_003)
    response = client_for(triage_user).post(
        EXCEPTIONS, _select_all("acknowledge", pks), follow=True
    )
    assert messages_of(response) == ["Acknowledged 5,003 exceptions."]
    assert InventoryException.objects.filter(state="acknowledged").count() == 5_003


def test_an_action_past_its_limit_says_how_many_it_left(triage_user, client_for, monkeypatch):
    monkeypatch.setattr(InventoryExceptionAdmin, "action_limit", 3, raising=False)
    monkeypatch.setattr(InventoryExceptionAdmin, "action_batch", 2, raising=False)
    pks = _open_exceptions(5)
    response = client_for(triage_user).post(
        EXCEPTIONS, _select_all("acknowledge", pks), follow=True
    )
    assert messages_of(response) == [
        "Acknowledged 3 exceptions.",
        "Not changed: 2 more selected exceptions; one action changes at most 3 (the "
        "first in the list's order). Run it again for the rest.",
    ]
    assert InventoryException.objects.filter(state="acknowledged").count() == 3
