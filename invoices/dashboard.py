"""The invoices dashboard's data in one dict, with drill-through links into the admin."""

from urllib.parse import urlencode

from django.urls import reverse

from invoices import selectors
from invoices.choices import IssueKind
from invoices.models import IngestRun

RAW_LIST = "admin:invoices_rawinvoice_changelist"
LINE_LIST = "admin:invoices_lineitem_changelist"
ISSUE_LIST = "admin:invoices_invoiceissue_changelist"


def admin_url(name: str, **params) -> str:
    """The admin list ``name`` filtered by ``params``; an empty value is a value (the
    customer "" of invoices without one), only None leaves a parameter out."""
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return reverse(name) + (f"?{query}" if query else "")


def issue_label(kind: str) -> str:
    """The data-quality issue as people read it ("Unit has no VIN"), as monitoring and the
    admin show it: ``IssueKind``'s label; an unknown code as it is."""
    return dict(IssueKind.choices).get(kind, kind)


def dashboard_data() -> dict:
    kpis = selectors.invoices_kpis()
    customers = selectors.top_customers()
    parts = selectors.parts_margin()
    technicians = selectors.technician_efficiency()
    return {
        "kpis": kpis,
        "links": {
            "processed": admin_url(RAW_LIST, status__exact="processed"),
            "failed": admin_url(RAW_LIST, status__exact="failed"),
            "stale": admin_url(RAW_LIST, attention="stale"),
            "issues": admin_url(RAW_LIST, attention="issues"),
            "lines": admin_url(LINE_LIST),
            "runs": reverse("admin:invoices_ingestrun_changelist"),
        },
        "revenue": selectors.revenue_by_type_and_month(),
        "customers": [
            {"row": c, "url": admin_url(LINE_LIST, customer=c.customer_title)} for c in customers
        ],
        # A part is what the report groups by (part number, else description): the part
        # filter lists exactly the lines counted under it.
        "parts": [
            {"row": p, "url": admin_url(LINE_LIST, part=p.part_key, line_type__exact="PART")}
            for p in parts
        ],
        "technicians": [
            {
                "row": t,
                "url": admin_url(LINE_LIST, technician=t.technician, line_type__exact="LABOR"),
            }
            for t in technicians
        ],
        "status": [
            {"row": s, "url": admin_url(RAW_LIST, status__exact=s.status)}
            for s in selectors.processing_status()
        ],
        "quality": [
            {
                "row": q,
                "label": issue_label(q.kind),
                "url": admin_url(ISSUE_LIST, kind__exact=q.kind),
            }
            for q in selectors.data_quality()
        ],
        "runs": list(IngestRun.objects.order_by("-started_at", "-id")[:8]),
    }
