"""Orders are loaded but none counts (every status excluded, say): the sales pages say so and
why, instead of "until sales data is loaded", which told a manager no data was there."""

import csv
import re

import pytest
from django.urls import reverse

from sales.services import classicmodels_load
from tests.sales.test_load import _demo_copy, _edit

PAGES = [
    "sales:executive",
    "sales:regional",
    "sales:risks",
    "sales:opportunities",
    "sales:deep_dive",
]


def _note(body: str) -> str:
    return re.search(r'<div class="no-match"[^>]*>(.*?)</div>', body, re.S).group(1)


@pytest.fixture
def all_cancelled(tmp_path, db):
    """The classicmodels files with every order Cancelled (the default excluded status)."""
    _demo_copy(tmp_path)

    def cancel(header, rows):
        for row in rows:
            row[header.index("status")] = "Cancelled"

    _edit(tmp_path, "orders", cancel)
    with open(tmp_path / "orders.csv", newline="", encoding="utf-8") as handle:
        orders = len(list(csv.DictReader(handle)))
    run = classicmodels_load(directory=tmp_path)
    assert run.status == "succeeded", run.problems
    return orders


@pytest.mark.parametrize("page_name", PAGES)
def test_pages_say_every_loaded_order_has_an_excluded_status(
    all_cancelled, client_for, manager, page_name
):
    client = client_for(manager)
    for query in ("", "?country=France"):
        note = _note(client.get(reverse(page_name) + query).content.decode())

        assert "until sales data is loaded" not in note
        assert "No loaded order counts" in note
        assert (
            f"{all_cancelled} orders are loaded, but none counts: {all_cancelled} have an "
            "excluded status (Cancelled)." in note
        )


def test_with_no_order_loaded_the_page_still_says_data_is_to_be_loaded(db, client_for, manager):
    note = _note(client_for(manager).get(reverse("sales:executive")).content.decode())

    assert "No order counts yet" in note and "until sales data is loaded" in note
    assert "orders are loaded" not in note
