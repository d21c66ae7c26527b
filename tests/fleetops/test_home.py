"""The home page knows the user's roles: each role gets links to its own work; only a user
with no role at all is told to ask an administrator for one."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
NO_ROLE = "Ask an administrator to give you a role"


def cards(html: str) -> list[tuple[str, str]]:
    """(href, title) of every card on the page."""
    return re.findall(r'<a class="card link-card" href="([^"]+)"[^>]*><h2>([^<]+)</h2>', html)


def test_a_clerk_sees_the_uploads_and_exports_clerks_do(client_for, clerk):
    html = client_for(clerk).get("/").content.decode()
    assert NO_ROLE not in html and "no dashboard yet" not in html
    assert cards(html) == [
        ("/admin/inventory/feedimport/import/", "Upload a dealer feed"),
        ("/admin/invoices/rawinvoice/upload/", "Upload repair-shop invoices"),
        ("/admin/sales/", "Sales tables: import and export CSV"),
        ("/admin/invoices/lineitem/export/", "Export invoice line items"),
        ("/admin/inventory/feedissue/", "Rows a dealer feed refused"),
        ("/admin/invoices/invoiceissue/", "Invoice data-quality issues"),
        ("/admin/inventory/vehicle/export/", "Export vehicles"),
        ("/admin/", "Admin"),
    ]
    assert "Signed in as a member of Clerks." in html


def test_every_link_on_a_clerks_home_page_opens(client_for, clerk):
    client = client_for(clerk)
    for href, title in cards(client.get("/").content.decode()):
        assert client.get(href).status_code == 200, (href, title)


def test_triage_staff_and_managers_see_their_dashboards_and_their_admin_work(
    client_for, triage_user, manager
):
    triage = cards(client_for(triage_user).get("/").content.decode())
    assert triage[0] == (reverse("inventory:dashboard"), "Inventory")
    assert ("/admin/inventory/inventoryexception/", "Triage inventory exceptions") in triage
    managers = [title for _, title in cards(client_for(manager).get("/").content.decode())]
    assert managers[:4] == ["Inventory", "Invoices", "Sales", "Monitoring"]
    assert {"Sales settings", "Inventory settings", "Alert thresholds"} <= set(managers)
    assert "Upload a dealer feed" not in managers


def test_only_a_user_without_any_role_is_asked_to_get_one(client_for, outsider):
    html = client_for(outsider).get("/").content.decode()
    assert NO_ROLE in html
    assert cards(html) == []


def test_a_role_that_opens_nothing_here_is_not_called_no_role(client_for, outsider):
    from django.contrib.auth.models import Group

    outsider.groups.add(Group.objects.create(name="Auditors"))
    html = client_for(outsider).get("/").content.decode()
    assert NO_ROLE not in html
    assert "Your role (Auditors) opens no page here yet" in html
