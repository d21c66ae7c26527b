"""Invoices in the documented Fullbay shape that the other tests' payloads do not cover.

Each payload is written here from ``shared/data/fullbay/README.md``; expected values are
computed by hand in the comments.
"""

from decimal import Decimal as D

import pytest

from fleetops.models import RunStatus
from invoices.loaders import payloads_from_bytes
from invoices.models import FleetAnalysis, LineItem, RawInvoice
from invoices.services import invoice_ingest

pytestmark = pytest.mark.django_db


def test_a_lone_surrogate_in_a_name_is_replaced_and_the_batch_goes_on():
    """JSON may carry half a surrogate pair ("\\ud800" alone): the json module reads it, but
    no UTF-8 text holds it. It used to stop the whole run with UnicodeEncodeError, nothing
    stored; now it becomes U+FFFD, like a NUL is dropped, and both invoices are kept."""
    content = (
        b'[{"primaryKey": "S0", "subTotal": 0, "total": 0},'
        + b'{"primaryKey": "S1", "customerTitle": "Bad \\ud800 name", "subTotal": 0, "total": 0}]'
    )
    payloads = payloads_from_bytes(content, name="surrogate.json")
    run = invoice_ingest(payloads=payloads)
    assert (run.status, run.processed, run.failed) == (RunStatus.SUCCEEDED, 2, 0)
    raw = RawInvoice.objects.get(primary_key="S1")
    assert raw.customer_title == "Bad \ufffd name"
    assert raw.payload["customerTitle"] == "Bad \ufffd name"
    again = invoice_ingest(payloads=payloads_from_bytes(content, name="surrogate.json"))
    assert (again.processed, again.skipped) == (0, 2)  # the same hash as what was received


def _invoice(key: str, **fields) -> dict:
    """A small valid invoice: one complaint billed 120.00 for 1.5 h by one technician."""
    payload = {
        "primaryKey": key,
        "invoiceNumber": f"N{key}",
        "invoiceDate": "2025-07-01",
        "customerTitle": "KESTREL HAULING",
        "Customer": {"customerId": 41, "title": "KESTREL HAULING"},
        "shopTitle": "Shop 9",
        "laborTotal": "120.00",
        "partsTotal": 0,
        "subTotal": "120.00",
        "taxTotal": 0,
        "total": "120.00",
        "ServiceOrder": {
            "primaryKey": f"SO{key}",
            "repairOrderNumber": f"RO{key}",
            "Unit": {"vin": "1FUJGLDR5KLAB1234", "number": "K1"},
            "Complaints": [
                {
                    "primaryKey": 1,
                    "note": "Brakes",
                    "laborTotal": 120,
                    "laborHoursTotal": 1.5,
                    "AssignedTechnicians": [
                        {"technician": "Rae Moss", "portion": 100, "actualHours": 2}
                    ],
                    "Corrections": [{"primaryKey": "c1", "Parts": []}],
                }
            ],
        },
    }
    payload.update(fields)
    return payload


def test_a_vin_typed_with_dashes_and_spaces_is_stored_whole_and_normalised(client_for, manager):
    """Fullbay's unit VIN is typed by the shop. " 1fu-jgldr5 klab1234" used to be cut to its
    first 17 characters ("1FU-JGLDR5 KLAB12": the last three lost, another unit for the
    fleet report, no inventory vehicle); it is 1FUJGLDR5KLAB1234 by FleetOps' VIN rule."""
    typed = _invoice("V1")
    typed["ServiceOrder"]["Unit"]["vin"] = " 1fu-jgldr5 klab1234"
    invoice_ingest(payloads=[typed, _invoice("V2")])
    raw = RawInvoice.objects.get(primary_key="V1")
    assert raw.unit_vin == "1FUJGLDR5KLAB1234" and not raw.issues.exists()
    assert set(LineItem.objects.values_list("unit_vin", flat=True)) == {"1FUJGLDR5KLAB1234"}
    fleet = FleetAnalysis.objects.get()
    assert (fleet.unit_vin, fleet.visits, fleet.spend) == ("1FUJGLDR5KLAB1234", 2, D("240.00"))
    found = client_for(manager).get("/api/invoices/", {"vin": "1fu-jgldr5-klab1234"}).json()
    assert sorted(r["primary_key"] for r in found["results"]) == ["V1", "V2"]
