"""A feed the API refuses is an error like every other API error: ``{"detail": ...}``
(README, "Roles and access"), with the rejected run alongside."""

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
