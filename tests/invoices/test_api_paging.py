"""Paging of the invoices list (``page`` from 1, ``page_size`` from 1 to 500) and of the
report endpoints (``limit`` from 1 to 1000, ``offset`` from 0). Anything else is refused
with ninja's 422 naming the parameter; it was read as the nearest value (``page=0`` as
page 1, ``page_size=1000`` as 500, ``limit=5000`` as 1000). Past the last row: an empty
list (with the count, for the invoices list)."""

import pytest

from invoices.models import RawInvoice

pytestmark = pytest.mark.django_db

LIST = "/api/invoices/"
REPORT = "/api/invoices/reports/invoice-summary"  # a row per processed invoice
INVOICES = 1001  # one more than the largest report window


@pytest.fixture
def client(manager, client_for):
    return client_for(manager)


@pytest.fixture
def many(db):
    RawInvoice.objects.bulk_create(
        RawInvoice(primary_key=f"P{i:04d}", payload={}, payload_hash="h", status="processed")
        for i in range(INVOICES)
    )


def refused(response) -> list[tuple]:
    """The (location, error type) of each invalid parameter of a 422."""
    assert response.status_code == 422, response.content
    return [(e["loc"], e["type"]) for e in response.json()["detail"]]


@pytest.mark.parametrize(
    ("params", "name", "error"),
    [
        ({"page": 0}, "page", "greater_than_equal"),
        ({"page": -1}, "page", "greater_than_equal"),
        ({"page": 1_000_001}, "page", "less_than_equal"),
        ({"page_size": 0}, "page_size", "greater_than_equal"),
        ({"page_size": 501}, "page_size", "less_than_equal"),
        ({"page_size": 1000}, "page_size", "less_than_equal"),
    ],
)
def test_list_paging_out_of_range_is_refused_naming_it(many, client, params, name, error):
    assert refused(client.get(LIST, params)) == [(["query", name], error)]


def test_list_largest_page_size_gives_full_pages(many, client):
    first = client.get(LIST, {"page": 1, "page_size": 500}).json()
    assert (first["count"], first["page"], first["page_size"]) == (INVOICES, 1, 500)
    assert len(first["results"]) == 500
    last = client.get(LIST, {"page": 3, "page_size": 500}).json()
    assert (last["page"], len(last["results"])) == (3, 1)


def test_list_smallest_page_and_page_size_are_accepted(many, client):
    body = client.get(LIST, {"page": 1, "page_size": 1}).json()
    assert (body["count"], body["page"], body["page_size"], len(body["results"])) == (
        INVOICES, 1, 1, 1,
    )  # fmt: skip


def test_list_page_past_the_last_is_empty_with_the_count(many, client):
    body = client.get(LIST, {"page": 4, "page_size": 500}).json()
    assert (body["count"], body["page"], body["results"]) == (INVOICES, 4, [])


@pytest.mark.parametrize(
    ("params", "name", "error"),
    [
        ({"limit": 0}, "limit", "greater_than_equal"),
        ({"limit": 1001}, "limit", "less_than_equal"),
        ({"limit": 5000}, "limit", "less_than_equal"),
        ({"offset": -1}, "offset", "greater_than_equal"),
        ({"offset": 100_000_001}, "offset", "less_than_equal"),
    ],
)
def test_report_window_out_of_range_is_refused_naming_it(many, client, params, name, error):
    assert refused(client.get(REPORT, params)) == [(["query", name], error)]


def test_report_window_bounds_are_accepted(many, client):
    assert len(client.get(REPORT, {"limit": 1000}).json()) == 1000
    assert len(client.get(REPORT, {"limit": 1000, "offset": 1000}).json()) == 1
    assert len(client.get(REPORT, {"limit": 1, "offset": 0}).json()) == 1
    assert len(client.get(REPORT).json()) == 100  # the default limit
    assert client.get(REPORT, {"offset": INVOICES}).json() == []  # past the last row


def test_the_schema_states_the_bounds(client):
    schema = client.get("/api/openapi.json").json()

    def bounds(path: str) -> dict:
        parameters = schema["paths"][path]["get"]["parameters"]
        return {
            p["name"]: (p["schema"].get("minimum"), p["schema"].get("maximum")) for p in parameters
        }

    assert {k: v for k, v in bounds(LIST).items() if k.startswith("page")} == {
        "page": (1, 1_000_000), "page_size": (1, 500),
    }  # fmt: skip
    assert bounds(REPORT) == {"limit": (1, 1000), "offset": (0, 100_000_000)}


def test_report_pages_hand_out_every_row_once_when_the_order_ties(client):
    """40 customers of 10.00 each, read one row at a time: each customer comes exactly
    once. Ordered by revenue alone, PostgreSQL put the tied rows in a different order for
    each offset, and the walk saw some customers twice and others never."""
    customers = [f"C{i:02d}" for i in range(40)]
    RawInvoice.objects.bulk_create(
        RawInvoice(primary_key=f"P{i:04d}", payload={}, payload_hash="h", status="processed",
                   customer_title=title, line_count=1, lines_total="10.00")
        for i, title in enumerate(reversed(customers))
    )  # fmt: skip
    url = "/api/invoices/reports/customer-analysis"
    walked = [
        row["customer_title"]
        for offset in range(len(customers))
        for row in client.get(url, {"limit": 1, "offset": offset}).json()
    ]
    assert walked == customers  # revenue first, then the customer's name
