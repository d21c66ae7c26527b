"""Nothing is reachable anonymously except login, static files, /healthz and /readyz."""

import os

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
def test_anonymous_is_refused_everywhere_but_the_public_paths(client, path, name):
    if path in PUBLIC_PATHS:  # answered, not sent to a login page
        response = client.get(path)
        assert response.status_code in (200, 301), (path, response.status_code)
        assert "login" not in response.get("Location", "") or path.endswith("/login/"), path
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
def test_the_dashboards_load_plotly_js_from_fleetops_own_static_files(client_for, manager):
    """No CDN: each chart page's plotly.js is FleetOps' static file, which the staticfiles
    finders (and so collectstatic) supply from the installed plotly package."""
    import re

    import plotly
    from django.contrib.staticfiles import finders
    from django.templatetags.static import static

    local = static("vendor/plotly.min.js")
    client = client_for(manager)
    for url_name in ("inventory:dashboard", "invoices:dashboard", "sales:executive",
                     "monitoring:dashboard"):  # fmt: skip
        html = client.get(reverse(url_name)).content.decode()
        scripts = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
        assert [src for src in scripts if "plotly" in src] == [local], (url_name, scripts)
        assert not [src for src in scripts if "://" in src], (url_name, scripts)
    found = finders.find("vendor/plotly.min.js")
    bundled = os.path.join(os.path.dirname(plotly.__file__), "package_data", "plotly.min.js")
    assert found and os.path.samefile(found, bundled)
