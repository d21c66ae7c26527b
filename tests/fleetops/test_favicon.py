"""Every page names a favicon FleetOps serves, and /favicon.ico (what browsers ask for on
pages without one, such as the API docs) leads to it: no 404 in any page's log."""

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db
LINK = '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">'


def test_the_favicon_files_are_static_files():
    svg = finders.find("favicon.svg")
    ico = finders.find("favicon.ico")
    assert svg and ico
    with open(svg, encoding="utf-8") as f:
        assert f.read().lstrip().startswith("<svg")
    with open(ico, "rb") as f:
        assert f.read(4) == b"\x00\x00\x01\x00"  # an ICO header


@pytest.mark.parametrize("path", ["/", "/inventory/"])
def test_site_pages_link_the_favicon(client_for, manager, path):
    assert LINK in client_for(manager).get(path).content.decode()


def test_the_login_page_and_the_admin_link_it_too(client, client_for, manager):
    assert LINK in client.get(reverse("login")).content.decode()
    assert LINK in client_for(manager).get(reverse("admin:index")).content.decode()


def test_a_refusal_page_links_it(client_for, clerk):
    assert LINK in client_for(clerk).get("/inventory/").content.decode()


def test_favicon_ico_redirects_to_the_static_file_without_a_login(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"] == "/static/favicon.ico"
