"""A refused page is a page of the site: the layout and navigation, what permission is
missing in plain words, which roles have it, and a way back home."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def refusal_text(html: str) -> str:
    block = re.search(r'<section class="panel refusal"[^>]*>(.*?)</section>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block.group(1))).strip()


@pytest.mark.parametrize(
    ("path", "what", "permission", "holders"),
    [
        (
            "/inventory/",
            "The Inventory dashboard",
            "Can view the inventory dashboard",
            "roles Triage staff and Managers",
        ),
        (
            "/monitoring/",
            "The Monitoring dashboard",
            "Can view the monitoring dashboard",
            "role Managers",
        ),
        ("/sales/", "The Sales dashboard", "Can view the sales dashboards", "role Managers"),
        ("/sales/risks/", "The Sales dashboard", "Can view the sales dashboards", "role Managers"),
    ],
)
def test_a_clerk_refused_a_dashboard_reads_why_in_the_site_layout(
    client_for, clerk, path, what, permission, holders
):
    response = client_for(clerk).get(path)
    assert response.status_code == 403
    html = response.content.decode()
    assert '<header class="topbar">' in html  # the site's layout and navigation
    assert '<nav id="main-nav"' in html and "Admin</a>" in html
    text = refusal_text(html)
    assert f"{what} needs the permission “{permission}”." in text
    assert "Your role (Clerks) does not include it." in text
    assert f"It comes with the {holders}. Ask an administrator if your work needs it." in text
    assert re.search(r'<a class="button primary" href="/">Back to the home page</a>', html)


def test_acknowledging_an_alert_names_its_own_permission(client_for, triage_user):
    response = client_for(triage_user).post(reverse("monitoring:alert_ack", args=[1]))
    assert response.status_code == 403
    text = refusal_text(response.content.decode())
    assert "Acknowledging an alert needs the permission “Can acknowledge alerts”." in text
    assert "Your role (Triage staff) does not include it." in text
    assert "It comes with the role Managers." in text


def test_an_admin_page_names_the_models_permission(client_for, clerk):
    from sales.models import SalesSettings

    url = reverse("admin:sales_salessettings_change", args=[SalesSettings.current().pk])
    response = client_for(clerk).get(url)
    assert response.status_code == 403
    text = refusal_text(response.content.decode())
    assert "Viewing sales settings needs the permission “Can view sales settings”." in text
    assert "It comes with the role Managers." in text


def test_a_user_without_a_role_is_told_so(client_for, outsider):
    text = refusal_text(client_for(outsider).get("/inventory/").content.decode())
    assert "Your account has no role yet." in text
    assert "Ask an administrator" in text


def test_a_refusal_with_its_own_reason_shows_it(rf, clerk):
    from django.core.exceptions import PermissionDenied

    from fleetops.views import permission_denied

    request = rf.get("/somewhere/else/")
    request.user = clerk
    response = permission_denied(request, PermissionDenied("This exception is closed."))
    assert response.status_code == 403
    text = refusal_text(response.content.decode())
    assert "This exception is closed." in text
    assert "Your account does not have the permission this page needs." in text
