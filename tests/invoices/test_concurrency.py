"""Two workers at once: each pending invoice is processed by exactly one of them (PostgreSQL)."""

import threading

import pytest
from django.db import connection, connections

from invoices.models import IngestRun, LineItem, RawInvoice
from invoices.services import invoice_ingest
from invoices.services.process import process_claimed
from tests.invoices.payloads import complaint, invoice, tech


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_the_same_invoices_process_each_once():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks")
    payloads = [
        invoice(
            str(n),
            complaints=[complaint(n, labor="10", hours="1", techs=[tech("A", 100, 1)])],
            sub_total="10",
        )
        for n in range(200)
    ]
    invoice_ingest(payloads=payloads)
    RawInvoice.objects.update(status=RawInvoice.Status.PENDING)
    items = list(RawInvoice.objects.values_list("id", "payload_hash", "payload"))
    run = IngestRun.objects.create()
    barrier = threading.Barrier(2)
    tallies = []

    def worker():
        try:
            barrier.wait()
            tallies.append(process_claimed(run=run, items=items))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(t.processed for t in tallies)[1] >= 1
    assert sum(t.processed for t in tallies) == 200  # each invoice exactly once
    assert LineItem.objects.count() == 200
    assert RawInvoice.objects.filter(attempts=2).count() == 200
