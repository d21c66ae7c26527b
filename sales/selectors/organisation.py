"""Sales organisation: reps per office, customers and revenue per rep, workload balance."""

from statistics import mean, pstdev

from django.db.models import Count, Q
from django.db.models.functions import Trim

from sales.models import Customer, Employee, Office, SalesSettings
from sales.selectors.base import SalesFilter

ORG_HELP = (
    "Reps = employees with the job title 'Sales Rep' or with customers assigned. Workload balance: "
    "customers per rep (mean, spread; coefficient of variation = std ÷ mean); reps above 1.5× the "
    "mean are overloaded. Countries with customers but no office have no local presence."
)


def sales_organisation(settings: SalesSettings, flt: SalesFilter, reps_revenue: list[dict]) -> dict:
    """Built on ``reps_abc`` rows (revenue per rep) plus three small queries."""
    reps = (
        Employee.objects.filter(Q(job_title__iexact="Sales Rep") | Q(customers__isnull=False))
        .distinct()
        .values("employee_number", "first_name", "last_name", "office__city", "office__territory")
        .annotate(customers=Count("customers", distinct=True))
        .order_by("office__city", "last_name")
    )
    if flt.territory:
        reps = reps.filter(office__territory=flt.territory)
    revenue = {r["employee_number"]: r for r in reps_revenue}
    rows = []
    for r in reps:
        rv = revenue.get(r["employee_number"], {})
        rows.append(
            {
                "employee_number": r["employee_number"],
                "name": f"{r['first_name']} {r['last_name']}",
                "office": r["office__city"],
                "territory": r["office__territory"],
                "customers": r["customers"],
                "revenue": rv.get("revenue", 0),
                "abc": rv.get("abc", ""),
            }
        )
    loads = [r["customers"] for r in rows]
    avg = mean(loads) if loads else 0
    for r in rows:
        r["overloaded"] = bool(avg) and r["customers"] > 1.5 * avg
    per_office: dict[str, int] = {}
    for r in rows:
        per_office[r["office"]] = per_office.get(r["office"], 0) + 1
    office_countries = set(Office.objects.annotate(c=Trim("country")).values_list("c", flat=True))
    customer_countries = (
        Customer.objects.annotate(c=Trim("country"))
        .values("c")
        .annotate(n=Count("pk"))
        .order_by("c")
    )
    return {
        "reps": rows,
        "per_office": sorted(per_office.items()),
        "workload": {
            "mean": round(avg, 1),
            "min": min(loads) if loads else 0,
            "max": max(loads) if loads else 0,
            "cv": round(pstdev(loads) / avg, 2) if avg else None,
        },
        "countries_without_office": [
            {"country": c["c"], "customers": c["n"]}
            for c in customer_countries
            if c["c"] not in office_countries
        ],
    }
