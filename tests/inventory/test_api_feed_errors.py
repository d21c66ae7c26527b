"""A feed the API refuses is an error like every other API error: ``{"detail": ...}``
(README, "Roles and access"), with the rejected run alongside."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from inventory.models import FeedImport, SourceRecord

pytestmark = pytest.mark.django_db

BOM, CRLF = "\ufeff", "\r\n"


@pytest.mark.parametrize(
    ("source", "text", "reason"),
    [
        # a CDK export without its VIN column (BOM, CRLF, an amount as dealers write it)
        (
            "cdk",
            f'{BOM}StockNumber,ModelYear,BaseInvoicePrice{CRLF}F1001,2021,"$35,120.00"{CRLF}',
            "VIN",
        ),
        # a LoJack file sent as vAuto's (more of its headers are LoJack's)
        (
            "vauto",
            "VIN,Serial Number,Install Date,Last Location Date,On Lot\n"
            "1FTFW1E59MFA10001,LJ-1,2024-01-02,2024-06-01,Y\n",
            "LoJack",
        ),
    ],
)
def test_a_rejected_feed_answers_422_with_its_reason_as_detail(
    clerk, client_for, source, text, reason
):
    response = client_for(clerk).post(
        f"/api/inventory/feeds/{source}",
        {"file": SimpleUploadedFile("feed.csv", text.encode())},
    )
    assert response.status_code == 422
    body = response.json()
    run = FeedImport.objects.get()
    assert run.status == "rejected" and reason in run.error
    # before, the body was the run alone: no "detail" for a client reading API errors
    assert body["detail"] == run.error
    assert (body["id"], body["status"], body["error"]) == (run.pk, "rejected", run.error)
    assert not SourceRecord.objects.exists()


def test_an_imported_feed_has_no_detail(clerk, client_for):
    text = "VIN,Serial Number\n1FTFW1E59MFA10001,LJ-1\n"
    response = client_for(clerk).post(
        "/api/inventory/feeds/lojack", {"file": SimpleUploadedFile("lj.csv", text.encode())}
    )
    assert response.status_code == 201
    assert "detail" not in response.json()
    assert response.json()["vehicles"] == 1


def test_a_semicolon_export_with_a_short_row_is_imported(clerk, client_for):
    """A CDK export as a European spreadsheet writes it (semicolons, BOM, CRLF,
    ``$35,120.00``) whose second row leaves its empty Store cell off: three vehicles, not
    a 422 "No VIN column" (the file was read as comma separated)."""
    text = (
        "\ufeffStock No;VIN;ModelYear;Make;BaseInvoicePrice;List Price;Store\r\n"
        "PB3626R;1ftfw1e51nfa00001;2022;Ford;$31,200.00;$35,120.00;Northside Ford\r\n"
        "PB3627;1C4-RJFBG3LC-123456;2020;Jeep;$28,000.00;$30,500.00\r\n"
        "PB3628;2T1BURHE3JC000003;2018;Toyota;$14,000.00;$16,995.00;Northside Ford\r\n"
    )
    response = client_for(clerk).post(
        "/api/inventory/feeds/cdk", {"file": SimpleUploadedFile("cdk.csv", text.encode())}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["rows_read"], body["vehicles"], body["invalid_rows"]) == (3, 3, 0)
    rows = SourceRecord.objects.filter(source="cdk").order_by("line_number")
    assert [(r.vin, r.stock_number, r.year, r.cost, r.price, r.store) for r in rows] == [
        ("1FTFW1E51NFA00001", "PB3626R", 2022, Decimal("31200.00"), Decimal("35120.00"),
         "Northside Ford"),
        ("1C4RJFBG3LC123456", "PB3627", 2020, Decimal("28000.00"), Decimal("30500.00"), ""),
        ("2T1BURHE3JC000003", "PB3628", 2018, Decimal("14000.00"), Decimal("16995.00"),
         "Northside Ford"),
    ]  # fmt: skip
