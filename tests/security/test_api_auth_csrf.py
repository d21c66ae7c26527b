"""Token POSTs work with CSRF enforced (as from a real client); cookie POSTs still need CSRF;
no credentials or a bad token is 401, not ninja's CSRF 403."""

import io

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def _upload():
    f = io.BytesIO(b"[]")
    f.name = "none.json"
    return {"file": f}


def test_a_token_post_is_not_refused_for_csrf(clerk, api_token):
    client = Client(enforce_csrf_checks=True)  # what a script or BI tool looks like
    headers = {"Authorization": f"Bearer {api_token(clerk)}"}
    response = client.post("/api/invoices/upload", _upload(), headers=headers)
    assert response.status_code == 201, response.content
    x_api_key = client.post(
        "/api/invoices/upload", _upload(), headers={"X-API-Key": api_token(clerk)}
    )
    assert x_api_key.status_code == 201, x_api_key.content


def test_a_session_post_without_csrf_token_is_refused(clerk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    response = client.post("/api/invoices/upload", _upload())
    assert response.status_code == 403 and b"CSRF" in response.content


def test_a_session_post_with_its_csrf_token_is_accepted(clerk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    client.cookies["csrftoken"] = "c" * 32
    response = client.post("/api/invoices/upload", _upload(), headers={"X-CSRFToken": "c" * 32})
    assert response.status_code == 201, response.content


# Every write of the API, as a browser or script without credentials would send it.
WRITES = ["/api/invoices/upload", "/api/inventory/refresh", "/api/monitoring/alerts/1/ack"]
NO_OR_BAD_CREDENTIALS = [
    {},
    {"Authorization": "Bearer fo_nope"},
    {"Authorization": "Basic abc"},
    {"X-API-Key": "fo_nope"},
]


@pytest.mark.parametrize("path", WRITES)
@pytest.mark.parametrize("headers", NO_OR_BAD_CREDENTIALS)
def test_a_write_without_usable_credentials_is_401_json_not_a_csrf_error(path, headers):
    client = Client(enforce_csrf_checks=True)
    response = client.post(path, headers=headers)
    assert response.status_code == 401, response.content
    assert response.json() == {"detail": "Unauthorized"}


def test_a_bad_token_beside_a_logged_in_session_still_needs_the_csrf_token(clerk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clerk)
    response = client.post(
        "/api/invoices/upload", _upload(), headers={"Authorization": "Bearer fo_nope"}
    )
    assert response.status_code == 403 and b"CSRF" in response.content
