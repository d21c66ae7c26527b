"""Invoices: list (filters, paginated), detail, lines, reprocess, upload."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Sum
from django.shortcuts import get_object_or_404
from ninja import Field, File, Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from fleetops.auth import api_auth
from fleetops.text import nul_free
from fleetops.uploads import upload_size_check
from invoices.api.schemas import (
    ErrorOut,
    InvoiceDetailOut,
    InvoiceLinesOut,
    InvoiceOut,
    InvoicePage,
    ReprocessIn,
    RunOut,
)
from invoices.flatten.coerce import cents
from invoices.loaders import InvoiceFileError
from invoices.models import IngestRun, RawInvoice
from invoices.services import invoices_reprocess
from invoices.services.upload import invoice_upload

router = Router()
MAX_PAGE_SIZE = 500


class InvoiceFilters(Schema):
    status: RawInvoice.Status | None = None
    invoice_number: str | None = None
    vin: str | None = None
    customer: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    # Out of range: 422 naming the parameter (not clamped); huge offsets overflowed.
    page: int = Field(1, ge=1, le=1_000_000, description="From 1; past the last: no results.")
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


def run_out(run: IngestRun) -> dict:
    return {
        "id": run.pk,
        "trigger": run.trigger,
        "status": run.status,
        "error": run.error,
        "fetched": run.fetched,
        "processed": run.processed,
        "skipped": run.skipped,
        "failed": run.failed,
        "line_items_created": run.line_items_created,
        "total_value": run.total_value,
        "duration_seconds": run.duration_seconds,
    }


@router.get("/", response=InvoicePage, auth=api_auth("invoices.view_rawinvoice"))
def invoice_list(request, filters: Query[InvoiceFilters]):
    """Raw invoices with their processing status, newest invoice date first."""
    # Undated (unreadable date) last on every database: PostgreSQL sorts nulls first in a
    # descending order. The page counts every row anyway; the top-N sort costs no more.
    qs = RawInvoice.objects.defer("payload").order_by(
        F("invoice_date").desc(nulls_last=True), "-id"
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.invoice_number:
        qs = qs.filter(invoice_number=nul_free(filters.invoice_number).strip())
    if filters.vin:
        qs = qs.for_vin(nul_free(filters.vin))
    if filters.customer:
        qs = qs.filter(customer_title__icontains=nul_free(filters.customer).strip())
    if filters.date_from:
        qs = qs.filter(invoice_date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(invoice_date__lte=filters.date_to)
    page, size = filters.page, filters.page_size
    return {
        "count": qs.count(),
        "page": page,
        "page_size": size,
        "results": list(qs[(page - 1) * size : page * size]),
    }


@router.post("/reprocess", response=RunOut, auth=api_auth("invoices.reprocess_rawinvoice"))
def reprocess_failed(request, body: ReprocessIn):
    """Reprocess failed invoices: those named in ``primary_keys``, or every failed one."""
    ids = None
    if body.primary_keys is not None:
        ids = list(
            RawInvoice.objects.filter(
                primary_key__in=[k for k in body.primary_keys if "\x00" not in k]
            ).values_list("id", flat=True)
        )
    return run_out(invoices_reprocess(raw_ids=ids, actor=request.user))


@router.post(
    "/upload",
    response={201: RunOut, 202: RunOut, 422: ErrorOut},
    auth=api_auth("invoices.import_rawinvoice"),
)
def upload(request, file: File[UploadedFile]):
    """Upload a getInvoices response, a list of invoices, or one invoice (JSON) and ingest it.

    201 with the finished run for a file up to ``INVOICES_UPLOAD_SYNC_MAX_BYTES``; 202 with
    the running run for a larger one, ingested by the task queue (follow its progress on the
    run: ``GET /api/invoices/runs/{id}`` or the admin).
    """
    try:
        upload_size_check(file)
        run, queued = invoice_upload(content=file.read(), name=file.name, actor=request.user)
    except (ValidationError, InvoiceFileError) as exc:
        message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        return Status(422, {"detail": message})
    return Status(202 if queued else 201, run_out(run))


@router.get("/runs/{run_id}", response=RunOut, auth=api_auth("invoices.view_ingestrun"))
def run_detail(request, run_id: int = Path(..., ge=1, le=2**63 - 1)):
    """One ingest run: status and counts so far (a queued upload's progress)."""
    return run_out(get_object_or_404(IngestRun, pk=run_id))


@router.get("/{primary_key}", response=InvoiceDetailOut, auth=api_auth("invoices.view_rawinvoice"))
def invoice_detail(request, primary_key: str):
    """One invoice: status, error, totals, its line count and data-quality issues."""
    raw = get_object_or_404(RawInvoice.objects.defer("payload"), primary_key=nul_free(primary_key))
    lines = raw.lines.aggregate(count=Count("id"), total=Sum("amount"))
    return {
        **{name: getattr(raw, name) for name in InvoiceOut.model_fields},
        "line_count": lines["count"],
        "lines_total": None if lines["total"] is None else cents(lines["total"]),
        "issues": list(raw.issues.all()),
        "run_id": raw.run_id,
    }


def _detail_of(primary_key: str):
    def view(request):
        return invoice_detail(request, primary_key)

    view.__name__ = f"invoice_detail_{primary_key}"  # its own (hidden) operation id
    return view


# A primaryKey may spell a POST route's path: GET of that path is that invoice's page, not
# a 405 (the route's path is matched first and would refuse GET).
for _path_key in ("reprocess", "upload"):
    router.get(
        f"/{_path_key}",
        response=InvoiceDetailOut,
        include_in_schema=False,
        auth=api_auth("invoices.view_rawinvoice"),
    )(_detail_of(_path_key))


@router.get(
    "/{primary_key}/lines", response=InvoiceLinesOut, auth=api_auth("invoices.view_lineitem")
)
def invoice_lines(request, primary_key: str):
    """``{"invoice": {...}, "lines": [...]}``: the invoice and its flattened line items."""
    raw = get_object_or_404(RawInvoice.objects.defer("payload"), primary_key=nul_free(primary_key))
    return {"invoice": raw, "lines": list(raw.lines.order_by("line_number"))}


@router.post(
    "/{primary_key}/reprocess",
    response={200: RunOut, 409: ErrorOut},
    auth=api_auth("invoices.reprocess_rawinvoice"),
)
def reprocess_one(request, primary_key: str):
    """Reprocess one failed invoice (409 when it has not failed)."""
    raw = get_object_or_404(
        RawInvoice.objects.only("id", "status"), primary_key=nul_free(primary_key)
    )
    if raw.status != RawInvoice.Status.FAILED:
        raise HttpError(409, f"Invoice {primary_key} is {raw.status}, not failed.")
    return Status(200, run_out(invoices_reprocess(raw_ids=[raw.pk], actor=request.user)))
