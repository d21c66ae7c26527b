"""One read-only endpoint per reporting view (the same rows BI tools query in SQL)."""

from django.db.models import F
from ninja import Field, ModelSchema, Query, Router, Schema

from fleetops.auth import api_auth
from invoices.models import REPORT_MODELS

router = Router()
MAX_LIMIT = 1000


class Window(Schema):
    # Out of range: 422 naming the parameter (not clamped); huge offsets overflowed.
    limit: int = Field(100, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=100_000_000)


# (path, view, ordering) - the ordering puts the most useful rows first, and ends with the
# view's key: rows that tie (two customers of the same revenue) keep one order from one
# offset to the next, so paging hands out each row once. Undated invoices last on every
# database (PostgreSQL sorts nulls first in a descending order).
ENDPOINTS = [
    ("invoice-summary", "v_invoice_summary", (F("invoice_date").desc(nulls_last=True), "-id")),
    ("customer-analysis", "v_customer_analysis", ("-revenue", "customer_title")),
    ("parts-analysis", "v_parts_analysis", ("-revenue", "part_key")),
    ("technician-performance", "v_technician_performance", ("-labor_revenue", "technician")),
    ("fleet-analysis", "v_fleet_analysis", ("-spend", "unit_vin")),
    ("current-processing-status", "v_current_processing_status", ("status",)),
    ("data-quality-check", "v_data_quality_check", ("-issue_count", "kind")),
    ("recent-activity", "v_recent_activity", ("-day",)),
    ("ingestion-performance", "v_ingestion_performance", ("-started_at", "-id")),
    ("error-analysis", "v_error_analysis", ("-error_count", "category")),
]


def _schema_for(model):
    name = f"{model.__name__}Out"
    meta = type(
        "Meta",
        (),
        {
            "model": model,
            "fields": "__all__",
            "__qualname__": f"{name}.Meta",
            "__module__": __name__,
        },
    )
    return type(name, (ModelSchema,), {"Meta": meta, "__module__": __name__, "__qualname__": name})


def _register(path: str, view: str, ordering: tuple) -> None:
    model = REPORT_MODELS[view]
    schema = _schema_for(model)

    def endpoint(request, window: Query[Window]):
        offset, limit = window.offset, window.limit
        return list(model.objects.order_by(*ordering)[offset : offset + limit])

    endpoint.__name__ = f"report_{view}"
    endpoint.__doc__ = f"Rows of the ``{view}`` reporting view (``limit``/``offset``)."
    router.get(
        f"/{path}",
        response=list[schema],
        operation_id=f"invoices_{view}",
        summary=view,
        auth=api_auth("invoices.view_dashboard"),
    )(endpoint)


for _path, _view, _ordering in ENDPOINTS:
    _register(_path, _view, _ordering)
