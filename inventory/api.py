"""Inventory API: feed upload, summary, refresh and its runs, exceptions, vehicles, matrix,
dashboard JSON."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.errors import HttpError
from ninja.files import UploadedFile

from fleetops.auth import api_auth
from fleetops.models import RunStatus
from fleetops.text import nul_free
from fleetops.uploads import upload_size_check
from fleetops.vin import vin_normalise, vin_problem
from inventory.admin.filters import StoreFilter
from inventory.dashboard import dashboard_data
from inventory.models import (
    OPEN_STATES,
    ExceptionKind,
    ExceptionState,
    InventoryException,
    Priority,
    ReconciliationRun,
    Source,
    SourceRecord,
    Vehicle,
)
from inventory.selectors import latest_run, summary_for_run
from inventory.services import ReconcileBusy, feed_import
from inventory.services.feeds import StoreNameInvalid
from inventory.services.reconcile import QUEUE_PERM, reconciliation_queue

router = Router()
MAX_PAGE_SIZE = 200


class FeedImportOut(Schema):
    id: int
    source: str
    store: str
    status: str
    error: str
    rows_read: int
    vehicles: int
    invalid_rows: int
    duplicates: int
    warnings: int


class FeedRejectedOut(FeedImportOut):
    """A refused file: its run, and its reason as ``detail`` like every API error's."""

    detail: str


class SummaryOut(Schema):
    run_id: int | None
    vehicles: int
    sources: dict[str, int]
    exceptions: dict[str, int]
    aligned: int
    aligned_pct: float
    impact: dict[str, float]
    matrix: dict[str, int]


class MatrixOut(Schema):
    run_id: int | None
    vehicles: int
    matrix: dict[str, int]


class RefreshOut(Schema):
    run_id: int
    status: str


class RefreshBusyOut(RefreshOut):
    detail: str


class ReconciliationOut(Schema):
    run_id: int
    status: str = Field(description="running, succeeded, failed or rejected (another was running)")
    started_at: datetime
    finished_at: datetime | None
    error: str
    summary: SummaryOut | None = Field(
        description="Once it succeeded: its figures, the /summary object of this run."
    )


class ExceptionOut(Schema):
    id: int
    vin: str
    stock_number: str
    store: str
    kind: str
    priority: str
    state: str
    amount: float
    opened_at: datetime
    closed_at: datetime | None
    sla_due_at: datetime | None
    sla_breached: bool
    holds: bool = Field(description="The condition held at the last reconciliation.")
    age_days: int
    note: str


class ExceptionPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[ExceptionOut]


class ExceptionFilters(Schema):
    kind: ExceptionKind | None = None
    priority: Priority | None = None
    state: ExceptionState | None = Field(
        None, description="A state; open: any open state (open, acknowledged, snoozed)."
    )
    store: str | None = Field(
        None, description="The store, case ignored; — (an em dash) for the exceptions with none."
    )
    min_age_days: int | None = Field(None, ge=0, le=36500)
    max_age_days: int | None = Field(None, ge=0, le=36500)
    sla_breached: bool | None = None
    holds: bool | None = Field(
        None,
        description="Whether the condition held at the last reconciliation, in any state: "
        "with holds=true, the exceptions the summary's counts and money add up.",
    )
    # Out of range: 422 naming the parameter (not clamped); huge offsets overflowed.
    page: int = Field(1, ge=1, le=1_000_000, description="From 1; past the last: no results.")
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class SourceRowOut(Schema):
    source: str
    store: str
    stock_number: str
    line_number: int
    feed_import_id: int | None
    raw_line: str


class VehicleOut(Schema):
    vin: str
    store: str
    stock_number: str
    year: int | None
    make: str
    model: str
    cost: float | None
    price: float | None
    msrp: float | None
    presence: dict[str, bool]
    source_rows: list[SourceRowOut]
    exceptions: list[ExceptionOut]


def _run_out(run) -> FeedImportOut:
    return FeedImportOut(
        id=run.pk, source=run.source, store=run.store, status=run.status, error=run.error,
        rows_read=run.rows_read, vehicles=run.vehicles, invalid_rows=run.invalid_rows,
        duplicates=run.duplicates, warnings=run.warnings,
    )  # fmt: skip


@router.post(
    "/feeds/{source}",
    response={201: FeedImportOut, 422: FeedRejectedOut},
    auth=api_auth("inventory.import_feedimport"),
)
def feed_upload(request, source: Source, file: File[UploadedFile], store: Form[str] = ""):
    """Import one source's CSV snapshot (multipart field ``file``; optional ``store``)."""

    try:
        upload_size_check(file)
    except ValidationError as exc:
        raise HttpError(413, exc.messages[0]) from None
    try:
        run = feed_import(
            source=source.value, data=file.read(), filename=file.name or "", store=store,
            user=request.user,
        )  # fmt: skip
    except StoreNameInvalid as exc:
        raise HttpError(422, str(exc)) from None
    if run.status != RunStatus.SUCCEEDED:
        return Status(422, FeedRejectedOut(**_run_out(run).model_dump(), detail=run.error))
    return Status(201, _run_out(run))


@router.get("/summary", response=SummaryOut, auth=api_auth("inventory.view_dashboard"))
def summary(request):
    """The latest reconciliation, the same object as ``manage.py reconcile --json``."""
    return summary_for_run(latest_run())


@router.post("/refresh", response={202: RefreshOut, 409: RefreshBusyOut}, auth=api_auth(QUEUE_PERM))
def refresh(request):
    """Queue a reconciliation now; returns its run id (follow it with
    ``/reconciliations/{run_id}``). 409 with the running one's id when a reconciliation is
    queued or running already."""
    try:
        run = reconciliation_queue(user=request.user)
    except ReconcileBusy as exc:
        return Status(409, {"run_id": exc.run.pk, "status": exc.run.status, "detail": str(exc)})
    run.refresh_from_db()
    return Status(202, {"run_id": run.pk, "status": run.status})


@router.get(
    "/reconciliations/{reconciliation_id}",
    response=ReconciliationOut,
    auth=api_auth("inventory.view_reconciliationrun"),
)
def reconciliation(request, reconciliation_id: int):
    """One reconciliation run, such as the one ``POST /refresh`` queued: its status, times
    and error, and once it succeeded its figures (the ``/summary`` object of that run)."""
    run = ReconciliationRun.objects.filter(pk=reconciliation_id).first()
    if run is None:
        raise HttpError(404, f"No reconciliation run {reconciliation_id}.")
    return {
        "run_id": run.pk, "status": run.status, "started_at": run.started_at,
        "finished_at": run.finished_at, "error": run.error,
        "summary": summary_for_run(run) if run.status == RunStatus.SUCCEEDED else None,
    }  # fmt: skip


@router.get(
    "/exceptions", response=ExceptionPage, auth=api_auth("inventory.view_inventoryexception")
)
def exceptions(request, filters: Query[ExceptionFilters]):
    """Exceptions, filtered by kind, priority, state, store, age, SLA and whether their
    condition still holds; paginated."""
    now = timezone.now()
    qs = InventoryException.objects.all()
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif filters.state:
        qs = qs.filter(state=filters.state)
    if filters.store == StoreFilter.NONE:  # the dashboard export's row of no store
        qs = qs.filter(store="")
    elif filters.store:
        qs = qs.filter(store__iexact=nul_free(filters.store))
    low, high = filters.min_age_days, filters.max_age_days
    if low is not None and high is not None and low > high:
        raise HttpError(
            422, f"min_age_days ({low}) is above max_age_days ({high}): no exception is both, "
            "swap them?"
        )  # fmt: skip
    if filters.min_age_days is not None:
        qs = qs.filter(_aged_at_least(filters.min_age_days, now))
    if filters.max_age_days is not None:  # inclusive: aged N days is at most N days old
        qs = qs.filter(~_aged_at_least(filters.max_age_days + 1, now))
    if filters.sla_breached is True:
        qs = qs.filter(state__in=OPEN_STATES, sla_due_at__lt=now)
    elif filters.sla_breached is False:
        qs = qs.exclude(state__in=OPEN_STATES, sla_due_at__lt=now)
    if filters.holds is not None:
        qs = qs.filter(active=filters.holds)
    page, page_size = filters.page, filters.page_size
    rows = list(qs.order_by("sla_due_at", "id")[(page - 1) * page_size : page * page_size])
    return {
        "count": qs.count(),
        "page": page,
        "page_size": page_size,
        "results": [_exception_out(e) for e in rows],
    }


def _aged_at_least(days: int, now: datetime) -> Q:
    """Exceptions ``days`` or more old as ``age_days`` counts them: whole days from their
    opening to their closing, or to ``now`` while they are not closed."""
    span = timedelta(days=days)
    return Q(closed_at__isnull=True, opened_at__lte=now - span) | Q(
        closed_at__gte=F("opened_at") + span
    )


def _exception_out(e: InventoryException) -> dict:
    return {
        "id": e.pk, "vin": e.vin, "stock_number": e.stock_number, "store": e.store,
        "kind": e.kind, "priority": e.priority, "state": e.state, "amount": float(e.amount),
        "opened_at": e.opened_at, "closed_at": e.closed_at, "sla_due_at": e.sla_due_at,
        "sla_breached": e.sla_breached, "holds": e.active, "age_days": e.age_days,
        "note": e.note,
    }  # fmt: skip


@router.get("/vehicles/{vin}", response=VehicleOut, auth=api_auth("inventory.view_vehicle"))
def vehicle(request, vin: str):
    """One vehicle: presence per source, the raw source rows, its exceptions. The VIN is
    read as imports read it (case, spaces and dashes ignored); 404 names a VIN no vehicle
    has, or says why the text is no VIN."""
    vin = nul_free(vin_normalise(vin))  # as imports read it
    if problem := vin_problem(vin):  # 404, not 422: no vehicle can have it
        raise HttpError(404, f"{vin[:40] or 'An empty VIN'} is not a VIN ({problem}).")
    v = Vehicle.objects.filter(vin=vin).first()
    if v is None:  # ninja's own 404 says "Not Found" only, as for a path with no route
        raise HttpError(404, f"No vehicle has the VIN {vin}.")
    rows = SourceRecord.objects.for_vin(v.vin).order_by("source")
    return {
        "vin": v.vin, "store": v.store, "stock_number": v.stock_number, "year": v.year,
        "make": v.make, "model": v.model,
        "cost": float(v.cost) if v.cost is not None else None,
        "price": float(v.price) if v.price is not None else None,
        "msrp": float(v.msrp) if v.msrp is not None else None,
        "presence": {"cdk": v.in_cdk, "vauto": v.in_vauto, "lojack": v.in_lojack,
                     "oem": v.in_oem},
        "source_rows": [
            {"source": r.source, "store": r.store, "stock_number": r.stock_number,
             "line_number": r.line_number, "feed_import_id": r.feed_import_id,
             "raw_line": r.raw_line} for r in rows
        ],
        # by VIN, the (vin, kind) index: the vehicle key has none (a full scan at scale)
        "exceptions": [_exception_out(e) for e in
                       InventoryException.objects.filter(vin=v.vin).order_by("-opened_at", "id")],
    }  # fmt: skip


@router.get("/matrix", response=MatrixOut, auth=api_auth("inventory.view_dashboard"))
def matrix(request):
    """Vehicles per combination of present sources (C, V, L, O) at the latest run."""
    s = summary_for_run(latest_run())
    return {"run_id": s["run_id"], "vehicles": s["vehicles"], "matrix": s["matrix"]}


@router.get(
    "/dashboard.json",
    url_name="inventory_dashboard_json",
    auth=api_auth("inventory.view_dashboard"),
)
def dashboard_json(request):
    """Every number of the dashboard page (KPIs, priorities, matrix, trend, stores, criticals)."""
    return dashboard_data()
