"""The exceptions list's VIN opens the exception and keeps the list's filters for the way
back. It was a link of its own inside the admin's row link: the browser split the nested
anchors into an empty link (kept the filters, could not be clicked or read) and the VIN's
link (dropped them), so after triaging one exception of "open CRITICAL at Midway Honda"
the breadcrumb and the triage buttons came back to the unfiltered list."""

import html
import re

import pytest
from django.urls import reverse

from tests.inventory.factories import make_vin

pytestmark = pytest.mark.django_db
EXCEPTIONS = reverse("admin:inventory_inventoryexception_changelist")


def test_the_vin_link_keeps_the_lists_filters_and_no_link_is_empty(load, triage_user, client_for):
    vin = make_vin()
    load(cdk={vin: {"store": "North"}})  # CDK only: not marketed, no tracking
    client = client_for(triage_user)
    body = client.get(EXCEPTIONS + "?priority__exact=HIGH&store=North").content.decode()

    rows = re.findall(r"<tr[^>]*>.*?</tr>", body.split('id="result_list"')[1], re.S)[1:]
    assert len(rows) == 1
    links = re.findall(r'<a href="([^"]*)"[^>]*>(.*?)</a>', rows[0], re.S)
    assert [text for _, text in links] == [vin], links
    url = html.unescape(links[0][0])
    assert "_changelist_filters=priority__exact%3DHIGH%26store%3DNorth" in url

    page = client.get(url).content.decode()  # the breadcrumb goes back to the filtered list
    assert html.escape(EXCEPTIONS + "?priority__exact=HIGH&store=North") in page
