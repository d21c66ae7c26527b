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
    require_postgres("the COPY path of raw invoices is PostgreSQL's")
    invoice_ingest(payloads=[_payload(1)])  # the other worker got there first
    late = [
        RawInvoice(primary_key=str(p["primaryKey"]), payload=p, payload_hash=payload_hash(p))
        for p in (_payload(1), _payload(2))
    ]
    raw_invoices_write(new=late, changed=[])
    assert sorted(RawInvoice.objects.values_list("primary_key", flat=True)) == ["1", "2"]
    assert RawInvoice.objects.get(primary_key="1").status == RawInvoice.Status.PROCESSED


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_connection_died_between_statements_is_still_marked_failed():
    """Outside a transaction Django keeps a dead connection until the request ends; a worker
    has no request, so the run's own failure path must drop it before writing the status."""
    require_postgres("pg_terminate_backend is PostgreSQL's")
    from django.db import OperationalError, connection

    from fleetops.models import RunStatus
    from invoices.models import IngestRun
    from invoices.services.runs import Tally, ingest_run_finish, ingest_run_start
    from tests.reliability.cluster import pg_terminate

    run = ingest_run_start(trigger="file", source="test")
    assert pg_terminate(connection.connection.info.backend_pid)
    with pytest.raises(OperationalError):
        IngestRun.objects.count()  # what the run was doing when the database went away
    ingest_run_finish(run=run, tally=Tally(), error="OperationalError: connection lost")
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.error.startswith("OperationalError")
