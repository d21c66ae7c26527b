"""The invoices dashboard's data in one dict, with drill-through links into the admin."""

from urllib.parse import urlencode

from django.urls import reverse

from invoices import selectors
from invoices.choices import IssueKind
from invoices.models import IngestRun
from invoices.scope import EVERY_INVOICE, InvoiceScope, period_label

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


def dashboard_data(scope: InvoiceScope = EVERY_INVOICE) -> dict:
    """Every figure of the page for the invoices in ``scope``, each with the admin list of
    exactly the rows it counts (the same dates and shop as the list's filters)."""
    kpis = selectors.invoices_kpis(scope=scope)
    raw = scope.admin_params()  # raw invoices and line items: their own invoice_date
    issues = scope.admin_params(date_field="raw_invoice__invoice_date")
    return {
        "kpis": kpis,
        "period": period_label(scope, kpis["first_date"], kpis["last_date"], kpis["undated"]),
        "links": {
            "processed": admin_url(RAW_LIST, status__exact="processed", **raw),
            "failed": admin_url(RAW_LIST, status__exact="failed", **raw),
            "stale": admin_url(RAW_LIST, attention="stale", **raw),
            "issues": admin_url(RAW_LIST, attention="issues", **raw),
            "lines": admin_url(LINE_LIST, **raw),
            "runs": reverse("admin:invoices_ingestrun_changelist"),
        },
        "revenue": selectors.revenue_by_type_and_month(scope=scope),
        "customers": [
            {"row": c, "url": admin_url(LINE_LIST, customer=c.customer_title, **raw)}
            for c in selectors.top_customers(scope=scope)
        ],
        # A part is what the report groups by (part number, else description): the part
        # filter lists exactly the lines counted under it.
        "parts": [
            {
                "row": p,
                "url": admin_url(LINE_LIST, part=p.part_key, line_type__exact="PART", **raw),
            }
            for p in selectors.parts_margin(scope=scope)
        ],
        "technicians": [
            {
                "row": t,
                "url": admin_url(
                    LINE_LIST, technician=t.technician, line_type__exact="LABOR", **raw
                ),
            }
            for t in selectors.technician_efficiency(scope=scope)
        ],
        "status": [
            {"row": s, "url": admin_url(RAW_LIST, status__exact=s.status, **raw)}
            for s in selectors.processing_status(scope=scope)
        ],
        "quality": [
            {
                "row": q,
                "label": issue_label(q.kind),
                "url": admin_url(ISSUE_LIST, kind__exact=q.kind, **issues),
            }
            for q in selectors.data_quality(scope=scope)
        ],
        # Runs are not dated by invoice nor tied to a shop: the page says they are all runs.
        "runs": list(IngestRun.objects.order_by("-started_at", "-id")[:8]),
    }


def revenue_months(rows: list[dict]) -> str:
    """The months the revenue chart draws: "2024-08 to 2025-07" (empty without rows)."""
    months = sorted({r["month"] for r in rows})
    if not months:
        return ""
    first, last = months[0], months[-1]
    return f"{first:%Y-%m}" if first == last else f"{first:%Y-%m} to {last:%Y-%m}"
