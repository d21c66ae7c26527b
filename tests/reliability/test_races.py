"""Races found by the concurrency tests, pinned down deterministically (PostgreSQL)."""

import pytest

from invoices.models import RawInvoice
from invoices.services import invoice_ingest, payload_hash
from invoices.services.raw import raw_invoices_write
from tests.invoices.payloads import complaint, invoice, tech
from tests.reliability.cluster import require_postgres

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def _payload(n):
    return invoice(
        str(n), complaints=[complaint(n, labor="10", hours="1", techs=[tech("A", 100, 1)])],
        sub_total="10",
    )  # fmt: skip


def test_a_raw_invoice_another_worker_stored_first_is_left_to_it_not_an_error():
    """Two workers read "not stored yet" for the same invoice; the second one's COPY meets
    the first one's row. psycopg raised its own UniqueViolation (the raw cursor bypassed
    Django's error wrapping), so the ON CONFLICT fallback never ran and the run failed."""
    require_postgres()
    invoice_ingest(payloads=[_payload(1)])  # the other worker got there first
    late = [
        RawInvoice(primary_key=str(p["primaryKey"]), payload=p, payload_hash=payload_hash(p))
        for p in (_payload(1), _payload(2))
    ]
    raw_invoices_write(new=late, changed=[])
    assert sorted(RawInvoice.objects.values_list("primary_key", flat=True)) == ["1", "2"]
    assert RawInvoice.objects.get(primary_key="1").status == RawInvoice.Status.PROCESSED
