"""Ingest runs as people read them: named like the other runs, "unchanged", plurals, dollars."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from invoices.models import IngestRun
from invoices.services import invoice_ingest
from tests.invoices.payloads import FIXTURES

pytestmark = pytest.mark.django_db
UPLOAD = "admin:invoices_rawinvoice_upload"
SAMPLE = (FIXTURES / "getInvoices-sample-response.json").read_bytes()  # 1 invoice, 162.68


def _upload(client):
    files = {"files": SimpleUploadedFile("sample.json", SAMPLE)}
    return client.post(reverse(UPLOAD), files, follow=True).content.decode()


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_upload_message_counts_in_words_with_plurals(client_for, clerk):
    client = client_for(clerk)
    first, again = _upload(client), _upload(client)
    first_run, second_run = IngestRun.objects.order_by("pk")
    assert (
        f"Run {first_run.pk}: 1 invoice read, 1 processed, 0 unchanged, 0 failed, 4 line items."
        in first
    )
    assert (
        f"Run {second_run.pk}: 1 invoice read, 0 processed, 1 unchanged, 0 failed, 0 line items."
        in again
    )


def test_ingest_run_page_is_titled_and_shows_unchanged_and_dollars(client_for, clerk):
    client = client_for(clerk)
    _upload(client)
    _upload(client)
    first, second = IngestRun.objects.order_by("pk")
    assert str(first) == f"Invoice ingest #{first.pk} (succeeded)"
    page = client.get(reverse("admin:invoices_ingestrun_change", args=[first.pk])).content.decode()
    assert f"<title>Invoice ingest #{first.pk} (succeeded) |" in page
    text = _text(page)
    assert (
        "Succeeded · 1 invoice read, 1 processed, 0 unchanged, 0 failed, 4 line items, "
        "total value $162.68." in text
    )
    assert "Total value: $162.68" in text and "162.68 " not in text.replace("$162.68", "")
    second_page = client.get(reverse("admin:invoices_ingestrun_change", args=[second.pk]))
    second_text = _text(second_page.content.decode())
    assert "Unchanged: 1 " in second_text and "Skipped" not in second_text


def test_a_running_upload_s_page_refreshes_and_says_so_far(client_for, clerk):
    run = IngestRun.objects.create(trigger="upload", source="big.json", fetched=2_000)
    page = client_for(clerk).get(reverse("admin:invoices_ingestrun_change", args=[run.pk]))
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="3">' in html
    assert "Queued : waiting for a worker" in _text(html).replace("Queued:", "Queued :")
    assert "2,000 invoices read, 0 processed, 0 unchanged, 0 failed, 0 line items so far" in html


def test_ingest_run_list_heads_unchanged_and_shows_dollars(client_for, manager):
    run = invoice_ingest(payloads=[], source="nothing")
    IngestRun.objects.filter(pk=run.pk).update(skipped=3, total_value="1234567.5")
    html = client_for(manager).get(reverse("admin:invoices_ingestrun_changelist")).content.decode()
    assert re.search(r'column-skipped">.*?>Unchanged</a>', html, re.S)
    assert '<td class="field-skipped">3</td>' in html
    assert '<td class="field-total_value">$1,234,567.50</td>' in html


def test_raw_invoice_status_filter_offers_only_the_statuses_in_use(client_for, manager):
    html = client_for(manager).get(reverse("admin:invoices_rawinvoice_changelist")).content
    text = _text(html.decode())
    assert "Processed" in text and "Pending" in text and "Failed" in text
    assert "Skipped" not in text


@pytest.mark.parametrize(
    ("value", "places", "shown"),
    [("162.68", 2, "$162.68"), ("1234567.5", 2, "$1,234,567.50"), ("-12", 2, "-$12.00"),
     ("23301.99", 0, "$23,302"), ("0.5", 0, "$1"), ("-0.4", 0, "$0"), (None, 2, "—")],
)  # fmt: skip
def test_dollars(value, places, shown):
    from decimal import Decimal

    from invoices.money import dollars

    assert dollars(None if value is None else Decimal(value), places) == shown


def test_issue_list_reads_each_issue_s_invoice_without_its_payload(client_for, manager):
    """The list shows each issue's invoice (number, key, status): joined, without the
    invoice's raw JSON, which at 100 rows a page would be read and parsed 100 times."""
    from invoices.models import InvoiceIssue
    from tests.invoices.payloads import complaint, invoice

    invoice_ingest(
        payloads=[invoice("Q1", complaints=[complaint(1, labor="40")], sub_total="50", vin="")],
        source="issues",
    )
    assert InvoiceIssue.objects.count() == 2  # no VIN; rows of 40 against a subTotal of 50
    response = client_for(manager).get(reverse("admin:invoices_invoiceissue_changelist"))
    shown = list(response.context["cl"].result_list)
    assert len(shown) == 2
    for issue in shown:
        assert "raw_invoice" in issue._state.fields_cache  # joined, not one query a row
        assert "payload" in issue.raw_invoice.get_deferred_fields()
        assert str(issue.raw_invoice) in response.content.decode()
