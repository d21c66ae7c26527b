"""demo_load: quick, realistic, idempotent; the generator makes valid VINs."""

import io

import pytest

from invoices.demo import DEMO_INVOICES, demo_load
from invoices.generator import FullbayGenerator, vin_check_digit, vin_is_valid
from invoices.models import IngestRun, InvoiceIssue, LineItem, RawInvoice


def test_generated_vins_are_valid():
    generator = FullbayGenerator(5)
    vins = [unit.vin for customer in generator.customers for unit in customer.units]
    assert vins and all(len(v) == 17 and vin_is_valid(v) for v in vins)
    assert vin_check_digit("1M8GDM9AXKP042788") == "X"  # the textbook example
    assert not vin_is_valid("1M8GDM9A1KP042788")


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
