"""Filter values the exceptions API cannot use are refused with 422 saying what it takes."""

import pytest

pytestmark = pytest.mark.django_db

STATES = ("open", "acknowledged", "snoozed", "resolved", "cleared")


def test_an_unknown_state_is_refused_naming_the_states(triage_user, client_for):
    """Before, the message named only the value refused ("Unknown state 'closed'."), and
    the schema did not list the states, as it lists the kinds and priorities."""
    client = client_for(triage_user)
    response = client.get("/api/inventory/exceptions", {"state": "closed"})
    assert response.status_code == 422
    message = str(response.json()["detail"])
    assert all(f"'{state}'" in message for state in STATES), message
    schema = client.get("/api/openapi.json").json()
    parameters = schema["paths"]["/api/inventory/exceptions"]["get"]["parameters"]
    state = next(p for p in parameters if p["name"] == "state")
    assert json_enum(schema, state["schema"]) == set(STATES)
    for value in STATES:
        assert client.get("/api/inventory/exceptions", {"state": value}).status_code == 200


def json_enum(schema: dict, node: dict) -> set[str]:
    """The values an OpenAPI schema node allows (through anyOf and $ref)."""
    if "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    found = set(node.get("enum", ()))
    for option in node.get("anyOf", ()):
        found |= json_enum(schema, option)
    return found


@pytest.mark.parametrize(("low", "high"), [(5, 2), (1, 0)])
def test_a_minimum_age_above_the_maximum_is_refused(triage_user, client_for, low, high):
    """No exception is both; the answer was an empty page, as if none were that old."""
    response = client_for(triage_user).get(
        "/api/inventory/exceptions", {"min_age_days": low, "max_age_days": high}
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": f"min_age_days ({low}) is above max_age_days ({high}): no exception is "
        "both, swap them?"
    }


def test_an_age_range_of_one_day_is_allowed(triage_user, client_for):
    response = client_for(triage_user).get(
        "/api/inventory/exceptions", {"min_age_days": 3, "max_age_days": 3}
    )
    assert response.status_code == 200
