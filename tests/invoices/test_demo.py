"""demo_load: quick, realistic, idempotent; the generator makes valid VINs."""

import io

import pytest

from fleetops.vin import vin_check_digit, vin_is_valid
from invoices.demo import DEMO_INVOICES, demo_load
from invoices.generator import FullbayGenerator
from invoices.models import IngestRun, InvoiceIssue, LineItem, RawInvoice


def test_generated_vins_are_valid():
    generator = FullbayGenerator(5)
    vins = [unit.vin for customer in generator.customers for unit in customer.units]
    assert vins and all(vin_is_valid(v) and v[8] == vin_check_digit(v) for v in vins)


@pytest.mark.django_db
def test_demo_load_is_realistic_and_idempotent():
    out = io.StringIO()
    demo_load(stdout=out)
    assert RawInvoice.objects.count() == DEMO_INVOICES
    assert RawInvoice.objects.filter(status="failed").exists()  # a few broken payloads
    assert InvoiceIssue.objects.exists()  # and a few that do not reconcile
    assert set(LineItem.objects.values_list("line_type", flat=True)) == {
        "PART",
        "SUPPLY",
        "LABOR",
        "FREIGHT",
        "MISC",
    }
    assert LineItem.objects.values("technician").distinct().count() > 5
    demo_load(stdout=out)
    assert IngestRun.objects.count() == 1 and "already loaded" in out.getvalue()
