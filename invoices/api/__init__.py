"""Invoices API: list, detail, lines, reprocess, upload, and one endpoint per reporting view."""

from ninja import Router

from invoices.api.invoices import router as invoices_router
from invoices.api.reports import router as reports_router

router = Router()
router.add_router("/reports/", reports_router)
router.add_router("", invoices_router)
