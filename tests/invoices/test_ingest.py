"""invoice_ingest: raw backup, idempotent re-ingest, atomic replacement, failures, claims, runs."""

import copy
from datetime import date
from decimal import Decimal as D

import pytest
from django.db.models import Sum

from fleetops.models import AuditEntry, RunStatus
from invoices.choices import IssueKind
from invoices.models import IngestRun, InvoiceIssue, LineItem, RawInvoice
from invoices.services import invoice_ingest, invoices_reprocess
from invoices.services.process import process_claimed
from monitoring.models import Metric
from tests.invoices.payloads import complaint, invoice, sample_invoice, tech

pytestmark = pytest.mark.django_db


def metrics_of(run):
    return {m.name: m.value for m in Metric.objects.filter(source="invoices.ingest", run_id=run.pk)}


def test_sample_is_stored_raw_and_flattened_into_lines():
    run = invoice_ingest(payloads=[sample_invoice()], source="sample")
    raw = RawInvoice.objects.get(primary_key="17556190")
    assert raw.status == RawInvoice.Status.PROCESSED and raw.attempts == 1 and raw.run == run
    assert raw.payload == sample_invoice()
    assert (raw.invoice_number, raw.unit_vin, raw.total) == (
        "14550",
        "5PVNJ8JN6C4S12345",
        D("162.68"),
    )
    assert raw.lines.aggregate(s=Sum("amount"))["s"] == D("162.23")
    assert raw.lines.count() == 4
    assert run.status == RunStatus.SUCCEEDED
    assert (run.fetched, run.processed, run.failed, run.skipped, run.line_items_created) == (
        1,
        1,
        0,
        0,
        4,
    )
    assert run.total_value == D("162.68")
    metrics = metrics_of(run)
    assert metrics["processed"] == 1 and metrics["line_items_created"] == 4
    assert metrics["data_quality_score"] == 100 and metrics["total_value"] == D("162.68")
    assert set(metrics) == {
        "fetched",
        "processed",
        "failed",
        "skipped",
        "line_items_created",
        "total_value",
        "duration_seconds",
        "data_quality_score",
    }
    assert AuditEntry.objects.filter(action="invoices.ingest.file", object_id=str(run.pk)).exists()


def test_reingesting_an_unchanged_invoice_changes_nothing():
    invoice_ingest(payloads=[sample_invoice()])
    raw = RawInvoice.objects.get()
    line_ids = sorted(LineItem.objects.values_list("id", flat=True))
    second = invoice_ingest(payloads=[sample_invoice()])
    again = RawInvoice.objects.get()
    assert (second.skipped, second.processed, second.line_items_created) == (1, 0, 0)
    assert (again.updated_at, again.attempts, again.run_id) == (raw.updated_at, 1, raw.run_id)
    assert sorted(LineItem.objects.values_list("id", flat=True)) == line_ids


def test_a_changed_invoice_has_its_lines_replaced():
    invoice_ingest(payloads=[sample_invoice()])
    old_ids = set(LineItem.objects.values_list("id", flat=True))
    changed = sample_invoice()
    changed["suppliesTotal"] = "10.00"
    changed["subTotal"] = "164.73"
    run = invoice_ingest(payloads=[changed])
    assert run.processed == 1 and run.skipped == 0
    raw = RawInvoice.objects.get()
    assert raw.attempts == 2 and raw.payload["suppliesTotal"] == "10.00"
    assert not old_ids & set(LineItem.objects.values_list("id", flat=True))
    assert LineItem.objects.get(line_type="SUPPLY").amount == D("10.00")
    assert LineItem.objects.aggregate(s=Sum("amount"))["s"] == D("164.73")


def test_a_broken_payload_is_kept_raw_as_failed_and_the_batch_goes_on():
    good = invoice(
        "1",
        complaints=[complaint(1, labor="50", hours="0.5", techs=[tech("A", 100, 1)])],
        sub_total="50",
    )
    broken = invoice("2", sub_total="12,5.0x")
    no_key = {"invoiceNumber": "X"}
    run = invoice_ingest(payloads=[good, broken, no_key, "not an invoice"])
    assert run.status == RunStatus.SUCCEEDED
    assert (run.fetched, run.processed, run.failed) == (4, 1, 3)
    failed = RawInvoice.objects.get(primary_key="2")
    assert failed.status == RawInvoice.Status.FAILED and "subTotal" in failed.error
    assert failed.payload == broken and not failed.lines.exists()
    assert RawInvoice.objects.filter(primary_key__startswith="nokey-").count() == 2
    assert RawInvoice.objects.get(primary_key="1").lines.count() == 1


def test_data_quality_issues_are_stored_and_scored():
    clean = invoice("1", sub_total="0")
    off = invoice(
        "2",
        complaints=[complaint(1, labor="100", hours="1", techs=[tech("A", 100, 1)])],
        sub_total="90",
    )
    run = invoice_ingest(payloads=[clean, off])
    issue = InvoiceIssue.objects.get()
    assert issue.kind == IssueKind.SUBTOTAL_MISMATCH and issue.difference == D("-10.00")
    assert issue.raw_invoice.primary_key == "2"
    assert issue.raw_invoice.status == RawInvoice.Status.PROCESSED  # flagged, still kept
    assert metrics_of(run)["data_quality_score"] == 50


def test_duplicates_within_a_batch_count_once():
    run = invoice_ingest(payloads=[sample_invoice(), sample_invoice()])
    assert (run.fetched, run.processed, run.skipped) == (2, 1, 1)
    assert LineItem.objects.count() == 4


def test_two_workers_never_process_the_same_invoice():
    invoice_ingest(payloads=[sample_invoice()])
    raw = RawInvoice.objects.get()
    RawInvoice.objects.filter(pk=raw.pk).update(status=RawInvoice.Status.PENDING)
    run = IngestRun.objects.create()
    items = [(raw.pk, raw.payload_hash, raw.payload)]
    first = process_claimed(run=run, items=items)
    second = process_claimed(run=run, items=items)  # the other worker comes too late
    assert (first.processed, second.processed, second.failed) == (1, 0, 0)
    assert LineItem.objects.count() == 4


def test_reprocess_failed_invoices():
    broken = invoice("9", sub_total="oops")
    invoice_ingest(payloads=[broken])
    raw = RawInvoice.objects.get()
    again = invoices_reprocess(raw_ids=[raw.pk])
    raw.refresh_from_db()
    assert (again.trigger, again.failed, raw.status, raw.attempts) == ("reprocess", 1, "failed", 2)
    # The payload is repaired (as a fixed flattening would): reprocessing now succeeds.
    fixed = copy.deepcopy(broken)
    fixed["subTotal"] = "0"
    RawInvoice.objects.filter(pk=raw.pk).update(payload=fixed)
    run = invoices_reprocess()
    raw.refresh_from_db()
    assert (run.processed, raw.status, raw.error, raw.attempts) == (1, "processed", "", 3)


def test_a_run_that_crashes_ends_failed_and_reports_to_monitoring():
    def payloads():
        yield sample_invoice()
        raise ConnectionError("Fullbay went away")

    with pytest.raises(ConnectionError):
        invoice_ingest(payloads=payloads(), batch_size=1)
    run = IngestRun.objects.get()
    assert run.status == RunStatus.FAILED and "Fullbay went away" in run.error
    assert run.finished_at is not None and run.processed == 1
    assert metrics_of(run)["processed"] == 1


def test_out_of_range_amounts_fail_only_their_invoice():
    huge = invoice("H1", complaints=[complaint(1, labor="1e15", hours="1")], sub_total="0")
    fine = invoice("F1", sub_total="0")
    run = invoice_ingest(payloads=[huge, fine])
    assert (run.processed, run.failed) == (1, 1)
    assert "out of range" in RawInvoice.objects.get(primary_key="H1").error


def test_nul_characters_are_dropped_so_every_database_can_store_the_payload():
    payload = invoice("N1", sub_total="0", customerTitle="ACME\x00 HAULING")
    run = invoice_ingest(payloads=[payload])
    raw = RawInvoice.objects.get()
    assert run.processed == 1 and raw.customer_title == "ACME HAULING"
    assert invoice_ingest(payloads=[payload]).skipped == 1  # same hash as what was received


def test_a_batch_the_database_refuses_is_retried_invoice_by_invoice(monkeypatch):
    """Fault injection: the line insert refuses the rows of invoice B2 as a database would."""
    from django.db import DatabaseError

    from invoices.services import process

    real_write = process.lines_write
    refused_ids = set()

    def refusing_write(*, raw_ids, **lines):
        if refused_ids & set(raw_ids):
            raise DatabaseError("value too long for type character varying(40)")
        return real_write(raw_ids=raw_ids, **lines)

    monkeypatch.setattr(process, "lines_write", refusing_write)
    one = invoice("B1", complaints=[complaint(1, labor="10", hours="1")], sub_total="10")
    two = invoice("B2", complaints=[complaint(2, labor="20", hours="1")], sub_total="20")
    invoice_ingest(payloads=[one, two])
    refused_ids.add(RawInvoice.objects.get(primary_key="B2").pk)
    one["invoiceNumber"], two["invoiceNumber"] = "B1-v2", "B2-v2"
    run = invoice_ingest(payloads=[one, two])
    assert (run.processed, run.failed) == (1, 1)
    failed = RawInvoice.objects.get(primary_key="B2")
    assert failed.status == "failed" and "database refused" in failed.error
    assert not failed.lines.exists()
    assert LineItem.objects.get().invoice_number == "B1-v2"


def test_new_invoices_the_database_refuses_are_retried_and_only_the_refused_one_fails(
    monkeypatch,
):
    """Never-stored invoices are written final in one transaction on PostgreSQL; when the
    database refuses it (here B2's lines), none of it stays and the general path isolates
    B2 (the same outcome on SQLite, which always takes the general path)."""
    from django.db import DatabaseError

    from invoices.services import process

    real_write = process.lines_write

    def refusing_write(*, raw_ids, **lines):
        if RawInvoice.objects.filter(pk__in=raw_ids, primary_key="B2").exists():
            raise DatabaseError("value too long for type character varying(40)")
        return real_write(raw_ids=raw_ids, **lines)

    monkeypatch.setattr(process, "lines_write", refusing_write)
    one = invoice("B1", complaints=[complaint(1, labor="10", hours="1")], sub_total="10")
    two = invoice("B2", complaints=[complaint(2, labor="20", hours="1")], sub_total="20")
    run = invoice_ingest(payloads=[one, two])
    assert (run.fetched, run.processed, run.failed, run.line_items_created) == (2, 1, 1, 1)
    stored = {r.primary_key: r for r in RawInvoice.objects.all()}
    assert set(stored) == {"B1", "B2"}
    assert stored["B2"].status == "failed" and "database refused" in stored["B2"].error
    assert stored["B2"].payload == two and not stored["B2"].lines.exists()
    assert (stored["B1"].status, stored["B1"].attempts) == ("processed", 1)
    assert list(stored["B1"].lines.values_list("amount", flat=True)) == [D("10.00")]
    assert stored["B1"].line_count == 1 and stored["B1"].lines_total == D("10.00")


def test_an_invoice_another_worker_stored_since_the_lookup_is_left_to_it(monkeypatch):
    """Race: the batch read "not stored" for A1, then another worker stored and processed it.
    Writing it as new meets that row: nothing is duplicated or processed twice."""
    from invoices.services import ingest

    payload = invoice("A1", complaints=[complaint(1, labor="10", hours="1")], sub_total="10")
    invoice_ingest(payloads=[payload])  # the other worker's run
    lookups = []

    def stale_first_lookup(keys):  # what this batch read before; later lookups are current
        lookups.append(keys)
        return [] if len(lookups) == 1 else real_stored(keys)

    real_stored = ingest._stored
    monkeypatch.setattr(ingest, "_stored", stale_first_lookup)
    run = invoice_ingest(payloads=[payload, invoice("A2", sub_total="0")])
    assert (run.processed, run.failed) == (1, 0)  # A2 only
    raw = RawInvoice.objects.get(primary_key="A1")
    assert (raw.status, raw.attempts) == ("processed", 1)
    assert LineItem.objects.filter(raw_invoice=raw).count() == 1
    assert RawInvoice.objects.filter(primary_key="A2", status="processed").exists()


def test_a_backslash_before_u0000_is_text_not_a_nul_and_the_batch_goes_on():
    """Only real NUL characters are dropped: a backslash followed by the letters "u0000"
    ("C:\\u0000" as the invoice wrote it) is text and stays exactly as received."""
    nul = invoice("N1", sub_total="0", customerTitle="ACME\x00 HAULING", shopTitle="C:\\u0000")
    escaped = invoice("N2", sub_total="0", customerTitle="a\\u0000b", shopTitle="a\\\x00b")
    after = invoice("N3", sub_total="0")
    run = invoice_ingest(payloads=[nul, escaped, after])
    assert (run.status, run.processed, run.failed) == (RunStatus.SUCCEEDED, 3, 0)
    stored = {r.primary_key: r for r in RawInvoice.objects.all()}
    assert (stored["N1"].customer_title, stored["N1"].shop_title) == ("ACME HAULING", "C:\\u0000")
    assert stored["N1"].payload["shopTitle"] == "C:\\u0000"
    assert (stored["N2"].customer_title, stored["N2"].shop_title) == ("a\\u0000b", "a\\b")
    assert stored["N2"].payload["customerTitle"] == "a\\u0000b"
    assert stored["N3"].status == RawInvoice.Status.PROCESSED


def test_nul_characters_in_keys_are_dropped_too():
    payload = invoice("N4", sub_total="0")
    payload["cust\x00omField"] = "x\x00y"
    invoice_ingest(payloads=[payload])
    assert RawInvoice.objects.get().payload["customField"] == "xy"


def test_an_invoice_that_cannot_be_identified_is_kept_raw_with_its_error_and_the_rest_go_on():
    """A payload nested deeper than any JSON encoder goes cannot even be written as JSON:
    it is kept as a failed row with its error and summary, under its hash (a stored version
    of the same invoice is left alone), and the invoices after it are ingested."""
    deep = invoice("DEEP", sub_total="0")
    for _ in range(100_000):
        deep["notes"] = [deep.get("notes")]
    run = invoice_ingest(payloads=[deep, invoice("OK1", sub_total="0")])
    assert (run.status, run.fetched, run.processed, run.failed) == (RunStatus.SUCCEEDED, 2, 1, 1)
    kept = RawInvoice.objects.get(invoice_number="NDEEP")
    assert kept.status == RawInvoice.Status.FAILED and "RecursionError" in kept.error
    assert kept.primary_key.startswith("nokey-") and kept.invoice_date == date(2025, 6, 3)
    assert RawInvoice.objects.get(primary_key="OK1").status == RawInvoice.Status.PROCESSED


def test_a_failed_invoice_keeps_every_summary_field_that_can_be_read():
    """One bad money field fails the invoice, but its date, VIN, shop, customer and unit are
    still read (each field on its own), so the filters by date or VIN find it."""
    bad_money = invoice("F6", sub_total="not-a-number", total="12.50", shopTitle="North Shop")
    bad_date = invoice("F7", sub_total="0", invoiceDate="03/06/2025", vin="1xkydp9x4jj123456")
    bad_unit = invoice("F8", sub_total="0", invoiceDate="2025-07-01")
    bad_unit["ServiceOrder"]["Unit"] = "T-1"
    run = invoice_ingest(payloads=[bad_money, bad_date, bad_unit])
    assert (run.processed, run.failed) == (0, 3)
    f6 = RawInvoice.objects.get(primary_key="F6")
    assert (f6.invoice_number, f6.invoice_date, f6.shop_title, f6.unit_vin) == (
        "NF6",
        date(2025, 6, 3),
        "North Shop",
        "1FUJGLDR5CLBP8834",
    )
    assert (f6.customer_title, f6.customer_id, f6.sub_total, f6.total) == (
        "ACME HAULING",
        "77",
        None,
        D("12.50"),
    )
    assert (f6.unit_make, f6.unit_model, f6.unit_year, f6.unit_number) == (
        "Freightliner",
        "Cascadia",
        "2012",
        "T-1",
    )
    f7 = RawInvoice.objects.get(primary_key="F7")
    assert (f7.invoice_date, f7.unit_vin, f7.sub_total) == (None, "1XKYDP9X4JJ123456", D("0.00"))
    f8 = RawInvoice.objects.get(primary_key="F8")
    assert (f8.invoice_date, f8.unit_vin, f8.shop_title) == (date(2025, 7, 1), "", "Shop 1")
    assert list(RawInvoice.objects.for_vin("1fujgldr5clbp8834").values_list("primary_key")) == [
        ("F6",)
    ]
    assert RawInvoice.objects.filter(invoice_date=date(2025, 7, 1)).get().primary_key == "F8"


def test_keys_longer_than_the_key_column_are_failed_never_truncated_into_one():
    """Two keys sharing their first 32 characters must not collide: each invoice is kept raw
    under its own hash (as a key-less one is), failed with a clear error."""
    stem = "K" * 32
    first = invoice(stem + "-first", sub_total="0")
    second = invoice(stem + "-second", sub_total="0")
    exact = invoice("X" * 32, sub_total="0")  # exactly the column's length: a normal key
    run = invoice_ingest(payloads=[first, second, exact])
    assert (run.fetched, run.processed, run.failed, run.skipped) == (3, 1, 2, 0)
    kept = RawInvoice.objects.filter(primary_key__startswith="nokey-").order_by("invoice_number")
    assert [r.payload["primaryKey"] for r in kept] == [stem + "-first", stem + "-second"]
    assert all(r.status == "failed" and "longer than 32 characters" in r.error for r in kept)
    assert RawInvoice.objects.get(primary_key="X" * 32).status == RawInvoice.Status.PROCESSED
