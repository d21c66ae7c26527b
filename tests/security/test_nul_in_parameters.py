"""A NUL character in a search box or filter parameter is dropped or refused, never a
500: PostgreSQL text cannot hold NUL, so a query built from it fails there (SQLite
accepts it, so these only fail on PostgreSQL when the guard is missing)."""

import pytest

pytestmark = pytest.mark.django_db

URLS = (
    "/api/inventory/exceptions?store=a%00b",
    "/api/inventory/exceptions?vin=a%00b",
    "/api/inventory/vehicles/AB%00C",
    "/api/invoices/?vin=a%00",
    "/api/sales/kpis?country=a%00",
    "/api/sales/regions?territory=a%00",
    "/admin/inventory/inventoryexception/?q=a%00b",
    "/admin/inventory/inventoryexception/?store=a%00b",
    "/admin/inventory/vehicle/?q=a%00b",
    "/admin/inventory/sourcerecord/?q=a%00b",
    "/admin/inventory/feedissue/?q=a%00b",
    "/admin/fleetops/auditentry/?q=a%00b",
    "/admin/invoices/rawinvoice/?q=a%00b",
    "/admin/invoices/lineitem/?q=a%00b",
    "/admin/invoices/lineitem/?part=a%00b",
    "/admin/invoices/lineitem/?customer=a%00b",
    "/admin/inventory/vehicle/?combo=C%00V",
    "/admin/inventory/vehicle/?presence=tracked%00",
    "/admin/inventory/vehicle/?store=a%00b",
    "/admin/inventory/probablematch/?q=a%00b",
    "/admin/inventory/storealias/?q=a%00b",
    "/admin/sales/customer/?q=a%00b",
    "/sales/?country=a%00b",
    "/sales/regional/?territory=a%00b&product_line=%00",
)


@pytest.mark.parametrize("url", URLS)
def test_nul_in_a_parameter_is_not_a_server_error(client_for, admin_user, url):
    assert client_for(admin_user).get(url).status_code < 500
