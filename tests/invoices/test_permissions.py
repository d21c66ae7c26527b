"""What each role may do in the invoices app (outsiders nothing)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

pytestmark = pytest.mark.django_db

READS = ["/invoices/", "/api/invoices/reports/customer-analysis"]
LISTS = [
    "/api/invoices/",
    "/api/invoices/A1",
    "/api/invoices/A1/lines",
    "/admin/invoices/rawinvoice/",
    "/admin/invoices/lineitem/",
]


def status(client, url, method="get"):
    if method == "post":
        return client.post(url, {"file": SimpleUploadedFile("x.json", b"[]")}).status_code
    return client.get(url).status_code


@pytest.mark.parametrize(
    ("role", "dashboard", "lists", "upload", "reprocess", "export"),
    [
        ("outsider", 403, "no", 403, 403, "no"),
        ("triage_user", 403, "no", 403, 403, "no"),
        ("manager", 200, "yes", 403, 403, "no"),
        ("clerk", 403, "yes", 201, 409, "yes"),
        ("admin_user", 200, "yes", 201, 409, "yes"),
    ],
)
def test_role_matrix(
    request, client_for, dataset, role, dashboard, lists, upload, reprocess, export
):
    user = request.getfixturevalue(role)
    client = client_for(user)
    assert [status(client, url) for url in READS] == [dashboard, dashboard]
    list_statuses = {status(client, url) for url in LISTS}
    if lists == "yes":
        assert list_statuses == {200}
    else:
        assert list_statuses <= {302, 403}
    assert status(client, "/api/invoices/upload", "post") == upload
    assert client.post("/api/invoices/A1/reprocess").status_code == reprocess
    export_url = reverse("admin:invoices_lineitem_export")
    export_status = client.get(export_url).status_code
    assert (export_status == 200) == (export == "yes"), export_status
