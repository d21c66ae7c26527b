"""The exceptions API's paging: ``page`` from 1, ``page_size`` from 1 to 200. Anything
else is refused with ninja's 422 naming the parameter; it was read as the nearest value
(``page=0`` as page 1, ``page_size=1000`` as 200, so a client took 200 rows for all there
were). A page past the last one is an empty list with the count."""

import pytest

from inventory.models import InventoryException
from tests.inventory.factories import make_vin

pytestmark = pytest.mark.django_db

URL = "/api/inventory/exceptions"
EXCEPTIONS = 201  # one more than the largest page


@pytest.fixture
def client(triage_user, client_for):
    return client_for(triage_user)


@pytest.fixture
def many(load):
    """201 exceptions: OEM orders missing in CDK."""
    orders = {f"O{i}": {"vin": make_vin()} for i in range(EXCEPTIONS)}
    load(cdk={}, vauto=[], lojack=[], oem=orders)
    assert InventoryException.objects.count() == EXCEPTIONS


@pytest.mark.parametrize(
    ("params", "name", "error"),
    [
        ({"page": 0}, "page", "greater_than_equal"),
        ({"page": -1}, "page", "greater_than_equal"),
        ({"page": 1_000_001}, "page", "less_than_equal"),
        ({"page_size": 0}, "page_size", "greater_than_equal"),
        ({"page_size": -50}, "page_size", "greater_than_equal"),
        ({"page_size": 201}, "page_size", "less_than_equal"),
        ({"page_size": 1000}, "page_size", "less_than_equal"),
    ],
)
def test_paging_out_of_range_is_refused_naming_the_parameter(many, client, params, name, error):
    response = client.get(URL, params)
    assert response.status_code == 422, response.content
    assert [(e["loc"], e["type"]) for e in response.json()["detail"]] == [(["query", name], error)]


def test_the_largest_page_size_gives_full_pages(many, client):
    first = client.get(URL, {"page": 1, "page_size": 200}).json()
    assert (first["count"], first["page"], first["page_size"]) == (EXCEPTIONS, 1, 200)
    assert len(first["results"]) == 200
    second = client.get(URL, {"page": 2, "page_size": 200}).json()
    assert (second["page"], len(second["results"])) == (2, 1)
    ids = {r["id"] for r in first["results"] + second["results"]}
    assert ids == set(InventoryException.objects.values_list("id", flat=True))


def test_the_smallest_page_and_page_size_are_accepted(many, client):
    body = client.get(URL, {"page": 1, "page_size": 1}).json()
    assert (body["count"], body["page"], body["page_size"]) == (EXCEPTIONS, 1, 1)
    first = InventoryException.objects.order_by("sla_due_at", "id").first()
    assert [r["id"] for r in body["results"]] == [first.pk]


def test_the_defaults_are_page_one_of_fifty(many, client):
    body = client.get(URL).json()
    assert (body["page"], body["page_size"], len(body["results"])) == (1, 50, 50)


def test_a_page_past_the_last_is_empty_with_the_count(many, client):
    body = client.get(URL, {"page": 3, "page_size": 200}).json()
    assert (body["count"], body["page"], body["page_size"], body["results"]) == (
        EXCEPTIONS, 3, 200, [],
    )  # fmt: skip


def test_the_schema_states_the_bounds(client):
    schema = client.get("/api/openapi.json").json()
    parameters = schema["paths"][URL]["get"]["parameters"]
    bounds = {
        p["name"]: (p["schema"].get("minimum"), p["schema"].get("maximum")) for p in parameters
    }
    assert bounds["page"] == (1, 1_000_000)
    assert bounds["page_size"] == (1, 200)
