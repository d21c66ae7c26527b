"""Deciding a probable match cannot be undone from the pair (a confirm re-keys the vAuto
row and keeps a VIN alias; a dismissed pair is never suggested again), so the list's
actions and the pair's buttons first show the pairs and what deciding does; only that
page's POST, with its confirmation field, decides."""

import re
from html import unescape

import pytest
from django.urls import reverse

from inventory.models import ProbableMatch, SourceRecord, VinAlias
from tests.inventory.factories import make_vin

pytestmark = pytest.mark.django_db
MATCHES = reverse("admin:inventory_probablematch_changelist")


def one_off(vin: str) -> str:
    return vin[:10] + ("G" if vin[10] != "G" else "H") + vin[11:]


@pytest.fixture
def pairs(load):
    """Two CDK vehicles not in vAuto, each listed in vAuto under a VIN one character off."""
    vins = [make_vin() for _ in range(2)]
    load(
        cdk={v: {"store": "Northside Ford"} for v in vins},
        vauto=[one_off(v) for v in vins],
        lojack=vins,
    )
    found = list(ProbableMatch.objects.order_by("pk"))
    assert {(p.vehicle_vin, p.listing_vin) for p in found} == {(v, one_off(v)) for v in vins}
    return found


def hidden_fields(body: str) -> list[tuple[str, str]]:
    return re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body)


def decided_nothing(pairs) -> None:
    assert set(ProbableMatch.objects.values_list("state", flat=True)) == {"suggested"}
    assert not VinAlias.objects.exists()
    for p in pairs:  # the vAuto rows keep their own key
        assert SourceRecord.objects.filter(source="vauto", key=p.listing_key).exists()


@pytest.mark.parametrize("action", ["confirm", "dismiss"])
def test_the_list_action_asks_first_listing_the_pairs(pairs, action, triage_user, client_for):
    client = client_for(triage_user)
    selection = {"action": action, "_selected_action": [p.pk for p in pairs]}
    response = client.post(MATCHES, selection)
    assert response.status_code == 200
    decided_nothing(pairs)
    body = unescape(response.content.decode())
    for p in pairs:  # each pair: listing key, vehicle VIN, reason, store
        row = re.search(rf"<tr><td><a [^>]*>{p.listing_key}</a></td>(.*?)</tr>", body).group(1)
        assert re.findall(r"<td>(.*?)</td>", row) == [
            p.vehicle_vin, "VINs one character apart", "Northside Ford"
        ]  # fmt: skip
    assert "cannot be undone" in body
    assert 'class="button cancel-link"' in body
    fields = hidden_fields(body)
    assert ("post", "yes") in fields and ("action", action) in fields
    assert {v for k, v in fields if k == "_selected_action"} == {str(p.pk) for p in pairs}
    # the page's own POST decides, and only the pairs selected
    response = client.post(MATCHES, {**selection, "post": "yes"}, follow=True)
    done = "Confirmed" if action == "confirm" else "Dismissed"
    assert str(list(response.context["messages"])[0]).startswith(f"{done} 2 pairs.")
    state = "confirmed" if action == "confirm" else "dismissed"
    assert list(ProbableMatch.objects.values_list("state", flat=True)) == [state, state]
    assert VinAlias.objects.count() == (2 if action == "confirm" else 0)


def test_the_pair_page_button_asks_first_then_confirms(pairs, triage_user, client_for):
    pair = pairs[0]
    client = client_for(triage_user)
    page = reverse("admin:inventory_probablematch_change", args=[pair.pk])
    decide = reverse("admin:inventory_probablematch_decide", args=[pair.pk])
    response = client.post(decide, {"action": "confirm"})
    assert response.status_code == 200
    decided_nothing(pairs)
    body = unescape(response.content.decode())
    assert f'<form method="post" action="{decide}">' in body
    assert f'<a href="{page}" class="button cancel-link">' in body  # Cancel: back to the pair
    assert pair.vehicle_vin in body and pair.listing_key in body and "Northside Ford" in body
    assert ("post", "yes") in hidden_fields(body)
    response = client.post(decide, {"action": "confirm", "post": "yes"})
    assert (response.status_code, response.url) == (302, page)
    pair.refresh_from_db()
    assert (pair.state, pair.decided_by) == ("confirmed", triage_user)
    assert VinAlias.objects.get(from_key=pair.listing_key).vin == pair.vehicle_vin
    assert ProbableMatch.objects.get(pk=pairs[1].pk).state == "suggested"


def test_the_pair_page_dismiss_asks_first_too(pairs, triage_user, client_for):
    pair = pairs[0]
    decide = reverse("admin:inventory_probablematch_decide", args=[pair.pk])
    client = client_for(triage_user)
    assert client.post(decide, {"action": "dismiss"}).status_code == 200
    decided_nothing(pairs)
    client.post(decide, {"action": "dismiss", "post": "yes"})
    pair.refresh_from_db()
    assert pair.state == "dismissed"


def test_the_confirmation_page_keeps_the_permissions(pairs, manager, client_for):
    client = client_for(manager)
    decide = reverse("admin:inventory_probablematch_decide", args=[pairs[0].pk])
    assert client.post(decide, {"action": "confirm"}).status_code == 403
    assert client.post(decide, {"action": "confirm", "post": "yes"}).status_code == 403
    # the list offers managers no decision: the action is not theirs
    client.post(MATCHES, {"action": "confirm", "_selected_action": [pairs[0].pk],
                          "post": "yes"})  # fmt: skip
    decided_nothing(pairs)
