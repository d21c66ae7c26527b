import pytest

from invoices.services import invoice_ingest
from tests.invoices.payloads import complaint, correction, invoice, part, tech

VIN_1 = "1FUJGLDR5CLBP8834"
VIN_2 = "1XKYDP9X4JJ123456"
VIN_3 = "4V4NC9EH7FN123456"


def hand_dataset() -> list:
    """Three processed invoices (one off by 10.00) and one broken; figures in test_reports.py."""
    pads = part("BRAKE PADS", 2, "50.00", "30.00", shop="BP-1")
    a = invoice(
        "A1",
        complaints=[
            complaint(
                1,
                labor="100",
                hours="1",
                note="BRAKES GRINDING",
                techs=[tech("Ann", 60, "1.0"), tech("Bob", 40, "0.5")],
                corrections=[correction(11, [pads])],
            )
        ],
        supplies="5",
        sub_total="205",
        vin=VIN_1,
        invoiceDate="2025-06-03",
    )
    b = invoice(
        "B1",
        complaints=[
            complaint(
                2,
                labor="50",
                hours="0.5",
                actual="1",
                note="PM SERVICE",
                corrections=[correction(21, [{**pads, "quantity": 1}])],
            )
        ],
        sub_total="100",
        vin=VIN_2,
        invoiceDate="2025-07-10",
    )
    c = invoice(
        "C1",
        complaints=[
            complaint(3, labor="80", hours="1", note="OIL LEAK", techs=[tech("Ann", 100, 2)])
        ],
        sub_total="90",
        vin=VIN_3,
        invoiceDate="2025-07-01",
        customerTitle="ZETA TRANSPORT",
        Customer={"customerId": 88, "title": "ZETA TRANSPORT"},
    )
    broken = invoice("D1", sub_total="not-a-number")
    return [a, b, c, broken]


@pytest.fixture
def dataset(db):
    return invoice_ingest(payloads=hand_dataset(), source="hand dataset")
