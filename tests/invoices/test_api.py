"""The invoices API: list, detail, lines, reprocess, upload, report endpoints."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from invoices.models import RawInvoice
from invoices.reports.models import REPORT_MODELS
from tests.invoices.payloads import FIXTURES, invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_manager(client_for, manager):
    return client_for(manager)


@pytest.fixture
def as_clerk(client_for, clerk):
    return client_for(clerk)


def test_list_filters_and_paginates(dataset, as_manager):
    body = as_manager.get("/api/invoices/?status=processed&page_size=2").json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["page_size"] == 2
    # Newest invoice date first.
    assert [r["primary_key"] for r in body["results"]] == ["B1", "C1"]
    failed = as_manager.get("/api/invoices/?status=failed").json()["results"]
    assert [r["primary_key"] for r in failed] == ["D1"] and "subTotal" in failed[0]["error"]
    by_vin = as_manager.get("/api/invoices/?vin=1fujgldr5clbp8834").json()["results"]
    assert [r["primary_key"] for r in by_vin] == ["D1", "A1"]  # D1 failed, its VIN is kept
    dated = as_manager.get("/api/invoices/?date_from=2025-07-01&customer=zeta").json()
    assert [r["primary_key"] for r in dated["results"]] == ["C1"]


def test_detail_has_status_totals_and_issues(dataset, as_manager):
    body = as_manager.get("/api/invoices/C1").json()
    assert (body["status"], body["sub_total"], body["lines_total"], body["line_count"]) == (
        "processed",
        "90.00",
        "80.00",
        1,
    )
    assert body["issues"][0]["kind"] == "subtotal_mismatch"
    assert as_manager.get("/api/invoices/nope").status_code == 404


def test_lines_endpoint_shape(dataset, as_manager):
    body = as_manager.get("/api/invoices/A1/lines").json()
    assert body["invoice"]["primary_key"] == "A1" and body["invoice"]["invoice_number"] == "NA1"
    first = body["lines"][0]
    for key in (
        "line_type",
        "description",
        "part_number",
        "quantity",
        "unit_price",
        "amount",
        "technician",
        "hours",
        "actual_hours",
    ):
        assert key in first
    assert [(line["line_type"], line["technician"], line["amount"]) for line in body["lines"]] == [
        ("LABOR", "Ann", "60.00"),
        ("LABOR", "Bob", "40.00"),
        ("PART", "", "100.00"),
        ("SUPPLY", "", "5.00"),
    ]


def test_reprocess_one_and_all(dataset, as_clerk):
    assert as_clerk.post("/api/invoices/A1/reprocess").status_code == 409
    response = as_clerk.post("/api/invoices/D1/reprocess")
    assert response.status_code == 200 and response.json()["failed"] == 1
    RawInvoice.objects.filter(primary_key="D1").update(payload=invoice("D1"))
    body = as_clerk.post("/api/invoices/reprocess", json.dumps({}), content_type="application/json")
    assert body.json()["processed"] == 1
    assert RawInvoice.objects.get(primary_key="D1").status == "processed"


def test_upload_ingests_a_file(as_clerk):
    content = (FIXTURES / "getInvoices-sample-response.json").read_bytes()
    response = as_clerk.post(
        "/api/invoices/upload", {"file": SimpleUploadedFile("sample.json", content)}
    )
    assert response.status_code == 201
    assert (response.json()["processed"], response.json()["line_items_created"]) == (1, 4)
    bad = as_clerk.post("/api/invoices/upload", {"file": SimpleUploadedFile("x.json", b"{oops")})
    assert bad.status_code == 422 and "not valid JSON" in bad.json()["detail"]


@pytest.mark.parametrize(
    "path",
    [
        "invoice-summary",
        "customer-analysis",
        "parts-analysis",
        "technician-performance",
        "fleet-analysis",
        "current-processing-status",
        "data-quality-check",
        "recent-activity",
        "ingestion-performance",
        "error-analysis",
    ],
)
def test_one_endpoint_per_reporting_view(dataset, as_manager, path):
    response = as_manager.get(f"/api/invoices/reports/{path}?limit=2")
    assert response.status_code == 200, response.content
    assert 1 <= len(response.json()) <= 2


def test_ten_views_ten_endpoints():
    from fleetops.api import api

    paths = [p for p in api.get_openapi_schema()["paths"] if p.startswith("/api/invoices/reports/")]
    assert len(paths) == len(REPORT_MODELS) == 10


def test_token_auth_works_for_bi_tools(dataset, client, manager, api_token):
    key = api_token(manager)
    response = client.get(
        "/api/invoices/reports/customer-analysis", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.status_code == 200 and response.json()[0]["customer_title"] == "ACME HAULING"


def test_the_readme_names_the_real_report_urls(dataset, as_manager):
    """invoices/README.md lists one URL per reporting view, and each of them answers."""
    import re
    from pathlib import Path

    import invoices

    readme = (Path(invoices.__file__).parent / "README.md").read_text()
    urls = set(re.findall(r"/api/invoices/reports/[\w<>-]+", readme))
    assert len(urls) == len(REPORT_MODELS) == 10
    for url in sorted(urls):
        assert as_manager.get(f"{url}?limit=1").status_code == 200, url
