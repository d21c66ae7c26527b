"""Invoices in the documented Fullbay shape that the other tests' payloads do not cover.

Each payload is written here from ``shared/data/fullbay/README.md``; expected values are
computed by hand in the comments.
"""

from datetime import date
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


def test_revenue_by_month_covers_twelve_months_and_the_chart_shows_the_empty_ones():
    """The last invoice is dated 2025-07-09: the twelve months are 2024-08 to 2025-07. The
    window used to start 341 days before 2025-07-01, in 2024-07, a thirteenth month; and
    the chart left out the months without invoices, drawing 2024-08 next to 2025-07."""
    from invoices.charts import revenue_chart
    from invoices.selectors import revenue_by_type_and_month

    invoice_ingest(
        payloads=[
            _invoice("M1", invoiceDate="2024-07-31"),  # thirteen months back: left out
            _invoice("M2", invoiceDate="2024-08-01"),
            _invoice("M3", invoiceDate="2025-07-09"),
        ]
    )
    rows = [(r["month"], r["line_type"], r["amount"]) for r in revenue_by_type_and_month()]
    assert rows == [
        (date(2024, 8, 1), "LABOR", D("120.00")),
        (date(2025, 7, 1), "LABOR", D("120.00")),
    ]
    html = revenue_chart(revenue_by_type_and_month())
    months = [f"{2024 + (7 + i) // 12}-{(7 + i) % 12 + 1:02d}" for i in range(12)]
    assert months[0] == "2024-08" and months[-1] == "2025-07"
    assert all(f'"{m}"' in html for m in months) and '"2024-07"' not in html


def test_portions_of_a_third_sent_as_floats_add_up_to_a_hundred():
    """Three technicians sharing 120.00 and 1.5 h, each with portion 100/3 as JSON writes it
    (33.333333333333336): they add up to 100.000000000000008, which was flagged as
    "portions add up to ... not 100". Each gets 40.00 and 0.5 h, and no issue is raised."""
    from invoices.flatten import flatten_invoice

    payload = _invoice("T3")
    third = 100 / 3
    payload["ServiceOrder"]["Complaints"][0]["AssignedTechnicians"] = [
        {"technician": name, "portion": third, "actualHours": 0.5} for name in ("A", "B", "C")
    ]
    result = flatten_invoice(payload)
    labor = [(r.item.technician, r.item.amount, r.item.hours) for r in result.rows]
    assert labor == [(n, D("40.00"), D("0.5000")) for n in ("A", "B", "C")]
    assert result.issues == []
