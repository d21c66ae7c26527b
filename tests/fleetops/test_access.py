"""Nothing is reachable anonymously except login, static files, /healthz and /readyz."""

import pytest
from django.urls import reverse

from fleetops.api import api
from tests.urlsweep import iter_urls

# /favicon.ico: a redirect to the static favicon (static files are public)
PUBLIC_PATHS = {"/healthz", "/readyz", "/accounts/login/", "/admin/login/", "/favicon.ico"}
SELF_AUTHENTICATED = ("/api/", "/metrics")
DOCS = ("/api/docs",)  # a page: login redirect (/api/openapi.json answers 401 like a route)
METHODS = ("get", "post", "put", "patch", "delete")


def all_urls():
    return sorted(set(iter_urls()))


def test_sweep_finds_every_app():
    paths = [path for path, _ in all_urls()]
    for prefix in ("/admin/", "/api/", "/inventory/", "/invoices/", "/sales/", "/monitoring/"):
        assert any(p.startswith(prefix) for p in paths), prefix


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "name"), all_urls())
def test_anonymous_is_refused_everywhere(client, path, name):
    if path in PUBLIC_PATHS:
        return
    if path.startswith(SELF_AUTHENTICATED) and not path.startswith(DOCS):
        statuses = {method: getattr(client, method)(path).status_code for method in METHODS}
        assert set(statuses.values()) <= {401, 404, 405}, statuses
        if set(statuses.values()) != {404}:  # 404 for every method: nothing there to reach
            assert 401 in statuses.values(), statuses
        return
    response = client.get(path)
    assert response.status_code == 302, (path, response.status_code)
    assert response["Location"].split("?")[0] in {
        reverse("login"),
        reverse("admin:login"),
    }, (path, response["Location"])


@pytest.mark.django_db
def test_api_docs_need_login(client):
    response = client.get("/api/docs")
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get("/api/openapi.json").status_code == 401


def test_every_api_operation_declares_security():
    schema = api.get_openapi_schema()
    operations = [
        (path, method, op)
        for path, methods in schema["paths"].items()
        for method, op in methods.items()
    ]
    for path, method, op in operations:
        assert op.get("security"), f"{method.upper()} {path} has no security"


@pytest.mark.django_db
def test_public_probes_answer_without_login(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ok"


@pytest.mark.django_db
def test_outsider_sees_no_dashboard(client_for, outsider):
    client = client_for(outsider)
    for url_name in (
        "inventory:dashboard",
        "invoices:dashboard",
        "sales:executive",
        "monitoring:dashboard",
    ):
        assert client.get(reverse(url_name)).status_code == 403, url_name
    home = client.get(reverse("home"))
    assert home.status_code == 200
    assert b"Ask an administrator to give you a role" in home.content
    # Not staff: the admin sends them to its login page.
    assert client.get(reverse("admin:index")).status_code == 302


@pytest.mark.django_db
def test_plotly_js_is_served_locally(client_for, outsider):
    from django.contrib.staticfiles import finders

    found = finders.find("vendor/plotly.min.js")
    assert found and found.endswith("plotly.min.js")
