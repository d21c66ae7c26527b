"""The navigation bar marks the dashboard whose section the page is in, and only that one."""

import re

import pytest

pytestmark = pytest.mark.django_db


def current(html: str) -> list[str]:
    nav = re.search(r'<nav id="main-nav".*?</nav>', html, re.S).group(0)
    return re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', nav)


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/inventory/", ["Inventory"]),
        ("/invoices/", ["Invoices"]),  # shares "/inv" with /inventory/
        ("/sales/", ["Sales"]),
        ("/sales/risks/", ["Sales"]),
        ("/monitoring/", ["Monitoring"]),
        ("/", []),
    ],
)
def test_one_dashboard_is_current(client_for, manager, path, expected):
    response = client_for(manager).get(path)
    assert response.status_code == 200
    assert current(response.content.decode()) == expected
