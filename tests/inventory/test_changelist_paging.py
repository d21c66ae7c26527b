"""Long admin lists page to their end and say how many rows they hold (exactly, or "about").

The exceptions changelist counts a filtered list exactly only up to its paginator's cap;
past it, on PostgreSQL, the count is the planner's estimate. The cap and page size are
lowered here so a dozen exceptions make a "long" list.
"""

import re

import pytest
from django.db import connection
from django.urls import reverse

from fleetops.paginators import EstimatedCountPaginator
from inventory.admin.exceptions import InventoryExceptionAdmin
from inventory.admin.filters import ShortCountPaginator
from inventory.models import InventoryException
from tests.inventory.factories import make_vin

pytestmark = pytest.mark.django_db
CHANGELIST = reverse("admin:inventory_inventoryexception_changelist")
ORDERS = 12  # OEM allocations missing in CDK: twelve open CRITICAL exceptions


@pytest.fixture
def long_list(load, monkeypatch):
    load(cdk={}, vauto=[], lojack=[], oem={f"O{i}": {"vin": make_vin()} for i in range(ORDERS)})
    monkeypatch.setattr(ShortCountPaginator, "cap", 5)
    monkeypatch.setattr(InventoryExceptionAdmin, "list_per_page", 5)
    if connection.vendor == "postgresql":  # statistics, as autovacuum would take them
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {InventoryException._meta.db_table}")


def paginator_text(html: str) -> str:
    block = re.search(r'<p class="paginator">(.*?)</p>', html, re.S).group(1)
    return " ".join(re.sub(r"<[^>]+>", " ", block).split())


def test_every_page_of_a_list_longer_than_the_cap_opens(long_list, client_for, triage_user):
    client = client_for(triage_user)
    seen = []
    for page in (1, 2, 3):  # 12 rows, 5 a page
        response = client.get(CHANGELIST, {"state": "open_all", "p": page})
        assert response.status_code == 200, page  # not a redirect to "?e=1"
        seen += re.findall(r'name="_selected_action" value="(\d+)"', response.content.decode())
    expected = InventoryException.objects.filter(kind="oem_not_in_cdk").values_list("pk", flat=True)
    assert sorted(map(int, seen)) == sorted(expected)
    assert len(seen) == ORDERS


def test_the_count_past_the_cap_is_exact_or_marked_as_an_estimate(
    long_list, client_for, triage_user
):
    response = client_for(triage_user).get(CHANGELIST, {"state": "open_all"})
    text = paginator_text(response.content.decode())
    paginator = response.context["cl"].paginator
    if connection.vendor == "postgresql":
        # the planner's estimate (from the statistics of the 12 rows), never the cap's 6
        assert paginator.estimated
        assert f"about {paginator.count:,} inventory exceptions" in text
        assert paginator.count > ShortCountPaginator.cap
        assert "(about" in response.content.decode()  # "Select all ... (about N)"
    else:
        assert not paginator.estimated
        assert f"3 {ORDERS} inventory exceptions" in text  # after the page links


def test_a_list_within_the_cap_is_counted_exactly(long_list, client_for, triage_user):
    response = client_for(triage_user).get(CHANGELIST, {"state": "open_all", "kind": "x"})
    assert not response.context["cl"].paginator.estimated
    assert paginator_text(response.content.decode()) == "0 inventory exceptions"


def test_paginator_counts_exactly_up_to_the_cap(long_list):
    qs = InventoryException.objects.filter(kind="oem_not_in_cdk").order_by("pk")
    paginator = EstimatedCountPaginator(qs, 5)
    paginator.cap = ORDERS  # at the cap: still exact
    assert (paginator.count, paginator.estimated) == (ORDERS, False)
    past = EstimatedCountPaginator(qs, 5)
    past.cap = ORDERS - 1
    if connection.vendor == "postgresql":
        assert past.count >= ORDERS  # the planner's estimate from the table's statistics
        assert past.estimated
    else:  # SQLite (the embedded demo database) always counts
        assert (past.count, past.estimated) == (ORDERS, False)


def test_the_bounded_count_leaves_the_lists_order_out(long_list):
    """Counting the first cap + 1 rows needs no order; the list's order made PostgreSQL walk
    its index to count them (0.11 s instead of 0.02 s for one store of 1M vehicles)."""
    from django.test.utils import CaptureQueriesContext

    if connection.vendor != "postgresql":
        pytest.skip("SQLite (the embedded demo database) counts every row")
    qs = InventoryException.objects.filter(kind="oem_not_in_cdk").order_by("-sla_due_at", "pk")
    paginator = EstimatedCountPaginator(qs, 5)
    paginator.cap = ORDERS
    with CaptureQueriesContext(connection) as queries:
        assert paginator.count == ORDERS
    counts = [q["sql"] for q in queries if "COUNT(" in q["sql"].upper()]
    assert counts and not any("ORDER BY" in sql.upper() for sql in counts), counts


def test_source_rows_sort_only_by_their_indexed_key(long_list, client_for, admin_user):
    """Any other column sorted the whole snapshot table (0.7-2 s a page at 1M vehicles)."""
    response = client_for(admin_user).get(reverse("admin:inventory_sourcerecord_changelist"))
    html = response.content.decode()
    sortable = re.findall(r'<th scope="col" class="sortable[^"]*column-(\w+)', html)
    assert sortable == ["key"]
