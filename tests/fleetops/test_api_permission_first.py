"""A user without an operation's permission gets 403, whatever the request holds.

The permission was checked inside each view, after ninja had read and validated the
path, query and body: a logged-in outsider (or a clerk at a managers' route) sending
a bad parameter or no body got a 422 describing what the route wants, and an upload's
multipart body was parsed (and spooled to disk) before the 403. The permission is now
checked with the credentials, before anything of the request is read.
"""

import json

import pytest
from django.test import Client

from fleetops.api import api

pytestmark = pytest.mark.django_db


def _invalid_requests():
    """``(method, path, kwargs)`` per operation: every path key and query parameter
    given a value no route takes for a number, an enum or a date, and a POST without
    its body (or with a JSON body of the wrong shape)."""
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method, op in methods.items():
            concrete = path
            query = {}
            for param in op.get("parameters", []):
                if param["in"] == "path":
                    concrete = concrete.replace("{" + param["name"] + "}", "-1x")
                else:
                    query[param["name"]] = "-1x"
            kwargs = {}
            if method == "post":
                content = op.get("requestBody", {}).get("content", {})
                if "application/json" in content:
                    kwargs = {"data": json.dumps([1]), "content_type": "application/json"}
            elif query:
                kwargs = {"data": query}
            yield method, concrete, kwargs


def test_an_outsider_gets_403_for_every_operation_even_with_an_invalid_request(outsider, api_token):
    client = Client()
    headers = {"Authorization": f"Bearer {api_token(outsider)}"}
    answers = {}
    for method, path, kwargs in _invalid_requests():
        response = getattr(client, method)(path, headers=headers, **kwargs)
        answers[f"{method.upper()} {path}"] = (response.status_code, response.json()["detail"])
    assert {op: answer for op, answer in answers.items() if answer[0] != 403} == {}
    assert {detail.split(": it needs ")[0] for _, detail in answers.values()} == {
        "You do not have permission to do this"
    }
    assert len(answers) >= 30  # every operation was tried


def test_the_403_and_the_schema_name_the_permission(outsider, api_token):
    client = Client()
    headers = {"Authorization": f"Bearer {api_token(outsider)}"}
    response = client.get("/api/inventory/summary", headers=headers)
    assert response.json() == {
        "detail": "You do not have permission to do this: it needs inventory.view_dashboard."
    }
    operation = api.get_openapi_schema()["paths"]["/api/inventory/summary"]["get"]
    assert operation["description"].endswith("Needs the permission inventory.view_dashboard.")
    assert operation["responses"]["403"]["description"] == (
        "Authenticated, but without the permission inventory.view_dashboard."
    )


def test_a_session_without_the_permission_gets_403_before_its_upload_is_read(
    client_for, triage_user
):
    """Triage staff may not upload feeds: a 403, not a 422 for the missing file (CSRF
    still checked first for a session write: a forged request learns nothing)."""
    client = client_for(triage_user)
    assert client.post("/api/inventory/feeds/cdk").status_code == 403
    assert client.post("/api/inventory/feeds/nosuch").status_code == 403
    strict = client_for(triage_user, enforce_csrf_checks=True)
    response = strict.post("/api/inventory/feeds/cdk")
    assert response.status_code == 403 and response.json()["detail"] == "CSRF check Failed"


def test_with_the_permission_an_invalid_request_is_still_a_422(client_for, triage_user, clerk):
    triage = client_for(triage_user)
    response = triage.get("/api/inventory/exceptions?kind=bogus")
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == [
        "query",
        "kind",
    ]
    assert client_for(clerk).post("/api/inventory/feeds/cdk").status_code == 422  # no file
