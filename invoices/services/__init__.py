"""Invoice write paths: ingest (files, API, schedule, upload), reprocess, fetch from Fullbay."""

from invoices.services.fetch import invoices_fetch
from invoices.services.ingest import invoice_ingest, payload_hash
from invoices.services.reprocess import invoices_reprocess
from invoices.services.runs import MONITORING_SOURCE, Tally

__all__ = [
    "MONITORING_SOURCE",
    "Tally",
    "invoice_ingest",
    "invoices_fetch",
    "invoices_reprocess",
    "payload_hash",
]
