"""A raw invoice's admin page says what happened to it: its last attempt and how that run went.

Four invoices fail at 12:04 (Chicago) and still fail when reprocessed at 12:25: the page must
not say "Processed at 12:25" for an invoice that failed then, nor "Updated at 12:04" before
it, nor present the reprocess run as a plain success.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from invoices.models import RawInvoice
from invoices.services import invoice_ingest, invoices_reprocess
from tests.invoices.payloads import invoice

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
STORED = dt.datetime(2025, 6, 10, 12, 4, tzinfo=CHICAGO)
REPROCESSED = dt.datetime(2025, 6, 10, 12, 25, tzinfo=CHICAGO)


@pytest.fixture
def failed_twice(db):
    payloads = [invoice(f"X{n}", sub_total="not-a-number") for n in range(4)]
    with time_machine.travel(STORED, tick=False):
        first = invoice_ingest(payloads=payloads, source="broken")
    with time_machine.travel(REPROCESSED, tick=False):
        again = invoices_reprocess()
    assert (first.failed, again.fetched, again.processed, again.failed) == (4, 4, 0, 4)
    return again


def test_a_failed_attempt_is_the_last_attempt_not_a_processing(
    failed_twice, client_for, admin_user
):
    raw = RawInvoice.objects.get(primary_key="X1")
    assert raw.status == "failed" and raw.attempts == 2
    # the reprocess touched the row: updated no earlier than its last attempt
    assert raw.processed_at == raw.updated_at == REPROCESSED
    html = (
        client_for(admin_user)
        .get(reverse("admin:invoices_rawinvoice_change", args=[raw.pk]))
        .content.decode()
    )
    assert "Processed at" not in html
    assert "Last attempt at" in html and "2025-06-10 12:25 (failed)" in html


def test_a_run_whose_every_invoice_failed_says_so(failed_twice, client_for, admin_user):
    run = failed_twice
    assert run.status == "succeeded"  # it ran to its end: monitoring counts it so
    raw = RawInvoice.objects.get(primary_key="X2")
    html = (
        client_for(admin_user)
        .get(reverse("admin:invoices_rawinvoice_change", args=[raw.pk]))
        .content.decode()
    )
    assert f"Invoice ingest #{run.pk} (succeeded)" not in html
    assert (
        f'<a href="/admin/invoices/ingestrun/{run.pk}/change/">Invoice ingest #{run.pk}</a> '
        "(Reprocess): succeeded, 4 invoices read, 0 processed, 0 unchanged, 4 failed, "
        "0 line items — <strong>every invoice in it failed</strong>"
    ) in html


def test_a_processed_invoice_reads_processed_at_its_last_attempt(client_for, admin_user):
    from tests.invoices.payloads import complaint

    with time_machine.travel(STORED, tick=False):
        run = invoice_ingest(
            payloads=[invoice("OK1", complaints=[complaint(1, labor="10")], sub_total="10")],
            source="fine",
        )
    raw = RawInvoice.objects.get(primary_key="OK1")
    html = (
        client_for(admin_user)
        .get(reverse("admin:invoices_rawinvoice_change", args=[raw.pk]))
        .content.decode()
    )
    assert "2025-06-10 12:04 (processed)" in html
    assert f"Invoice ingest #{run.pk}</a> (Files): succeeded, 1 invoice read, 1 processed" in html
    assert "every invoice in it failed" not in html
