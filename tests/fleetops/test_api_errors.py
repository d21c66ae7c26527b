"""Under /api/ every answer is JSON: a path that names nothing (404), a method a path does
not take (405), and the schema (/api/openapi.json), which authenticates like the routes."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/", "/api/nothing-here", "/api/invoices/nothing/1"])
@pytest.mark.parametrize("method", ["get", "post", "delete"])
def test_an_unknown_api_path_is_404_json(client_for, manager, path, method):
    response = getattr(client_for(manager), method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not Found"}


def test_an_unknown_api_path_is_404_json_anonymously_too(client):
    response = client.get("/api/nothing-here")
    assert response.status_code == 404 and response.json() == {"detail": "Not Found"}


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_a_method_a_path_does_not_take_is_405_json_with_allow(client_for, clerk, method):
    response = getattr(client_for(clerk), method)("/api/inventory/refresh")
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": f"Method {method.upper()} not allowed"}
    assert response["Allow"] == "POST"


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/sales/kpis", "No orders yet."),  # an empty database
        ("/api/sales/abc/nothing", "kind must be customers, products or reps."),
        ("/api/invoices/runs/999999", "Not Found"),  # get_object_or_404: ninja's words
    ],
)
def test_a_route_s_own_404_keeps_its_message(client_for, manager, path, message):
    response = client_for(manager).get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": message}


def test_the_schema_takes_a_token(clerk, api_token):
    key = api_token(clerk)
    for headers in ({"Authorization": f"Bearer {key}"}, {"X-API-Key": key}):
        response = Client().get("/api/openapi.json", headers=headers)
        assert response.status_code == 200, response.content
        assert "/api/invoices/upload" in response.json()["paths"]


def test_the_schema_takes_the_session(client_for, clerk):
    response = client_for(clerk).get("/api/openapi.json")
    assert response.status_code == 200 and response.json()["openapi"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer fo_nope"}])
def test_the_schema_is_401_json_without_usable_credentials(client, headers):
    response = client.get("/api/openapi.json", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_the_docs_page_sends_an_anonymous_browser_to_login(client):
    response = client.get("/api/docs")
    assert response.status_code == 302 and "/login/" in response["Location"]
