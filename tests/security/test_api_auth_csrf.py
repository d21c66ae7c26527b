"""Token POSTs work with CSRF enforced (as from a real client); cookie POSTs still need CSRF."""

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


def test_a_bad_token_is_401_not_a_csrf_error(client):
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/invoices/upload", _upload(), headers={"Authorization": "Bearer fo_nope"}
    )
    assert response.status_code in (401, 403)
