"""NUL characters in API input are answered, never a 500 (PostgreSQL text cannot hold NUL)."""

import json

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("method", "path", "body", "expected"),
    [
        ("get", "/api/invoices/?customer=a%00b&vin=%00&invoice_number=%00", None, 200),
        ("get", "/api/invoices/a%00b", None, 404),
        ("get", "/api/invoices/a%00b/lines", None, 404),
        ("post", "/api/invoices/a%00b/reprocess", None, 404),
        ("post", "/api/invoices/reprocess", {"primary_keys": ["a\u0000b"]}, 200),
        ("get", "/api/inventory/exceptions?store=%00", None, 200),
        ("get", "/api/inventory/vehicles/1FT%00", None, 404),
    ],
)
def test_nul_in_input(admin_user, api_token, client, method, path, body, expected):
    headers = {"Authorization": f"Bearer {api_token(admin_user)}"}
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body else {}
    response = getattr(client, method)(path, headers=headers, **kwargs)
    assert response.status_code == expected, response.content[:300]
