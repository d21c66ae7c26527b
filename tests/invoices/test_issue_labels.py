"""Data-quality issues read as people read them (the labels monitoring shows), not as codes."""

import pytest
from django.urls import reverse

from invoices.services import invoice_ingest
from tests.invoices.payloads import complaint, invoice

pytestmark = pytest.mark.django_db


def _no_vin_and_off_by_ten():
    """One invoice: no unit VIN, and lines of 40.00 against a subTotal of 50.00."""
    payload = invoice(
        "L1", complaints=[complaint(1, labor="40", hours="1")], sub_total="50", vin=""
    )
    invoice_ingest(payloads=[payload], source="labels")


def test_dashboard_names_data_quality_issues_by_their_labels(client_for, manager):
    _no_vin_and_off_by_ten()
    html = client_for(manager).get(reverse("invoices:dashboard")).content.decode()
    table = html[html.index('id="data-quality"') :]
    table = table[: table.index("</table>")]
    assert ">Rows do not add up to subTotal</a>" in table
    assert ">Unit has no VIN</a>" in table
    assert ">subtotal_mismatch<" not in table and ">missing_vin<" not in table
    # the link still filters the issue list by the code
    assert "/admin/invoices/invoiceissue/?kind__exact=missing_vin" in table


def test_raw_invoice_page_names_its_issues_by_their_labels(client_for, admin_user):
    from invoices.models import RawInvoice

    _no_vin_and_off_by_ten()
    raw = RawInvoice.objects.get(primary_key="L1")
    url = reverse("admin:invoices_rawinvoice_change", args=[raw.pk])
    html = client_for(admin_user).get(url).content.decode()
    assert "<strong>Unit has no VIN</strong>: The unit has no VIN." in html
    assert "<strong>Rows do not add up to subTotal</strong>" in html
    assert "<strong>missing_vin</strong>" not in html
