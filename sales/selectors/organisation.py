"""Sales organisation: reps per office, customers and revenue per rep, workload balance."""

from collections import Counter
from dataclasses import dataclass
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


@dataclass(frozen=True)
class OfficeInfo:
    label: str  # the city; with the country (or code) when another office shares the name
    country: str  # trimmed
    territory: str


def offices_by_code() -> dict[str, OfficeInfo]:
    """Every office by its code (one small query). Offices are told apart by code: two
    offices may be in cities of the same name (Paris, France and Paris, Texas)."""
    rows = list(
        Office.objects.annotate(c=Trim("country"))
        .values_list("office_code", "city", "c", "territory")
        .order_by("office_code")
    )
    cities = Counter(city for _, city, _, _ in rows)
    places = Counter((city, country) for _, city, country, _ in rows)

    def label(code: str, city: str, country: str) -> str:
        if places[city, country] > 1:
            return f"{city} (office {code})"
        return f"{city} ({country})" if cities[city] > 1 else city

    return {
        code: OfficeInfo(label(code, city, country), country, territory)
        for code, city, country, territory in rows
    }


def sales_organisation(
    settings: SalesSettings,
    flt: SalesFilter,
    reps_revenue: list[dict],
    offices: dict[str, OfficeInfo] | None = None,
) -> dict:
    """Built on ``reps_abc`` rows (revenue per rep) and ``offices_by_code`` (read here
    unless given) plus two small queries."""
    offices = offices_by_code() if offices is None else offices
    reps = (
        Employee.objects.filter(Q(job_title__iexact="Sales Rep") | Q(customers__isnull=False))
        .distinct()
        .values("employee_number", "first_name", "last_name", "office_id")
        .annotate(customers=Count("customers", distinct=True))
        .order_by("office__city", "office_id", "last_name")
    )
    if flt.territory:
        reps = reps.filter(office__territory=flt.territory)
    revenue = {r["employee_number"]: r for r in reps_revenue}
    rows = []
    for r in reps:
        rv = revenue.get(r["employee_number"], {})
        office = offices[r["office_id"]]
        rows.append(
            {
                "employee_number": r["employee_number"],
                "name": f"{r['first_name']} {r['last_name']}",
                "office": office.label,
                "territory": office.territory,
                "customers": r["customers"],
                "revenue": rv.get("revenue", 0),
                "abc": rv.get("abc", ""),
            }
        )
    loads = [r["customers"] for r in rows]
    avg = mean(loads) if loads else 0
    for r in rows:
        r["overloaded"] = bool(avg) and r["customers"] > 1.5 * avg
    per_office = Counter(r["office_id"] for r in reps)
    office_countries = {office.country for office in offices.values()}
    customer_countries = (
        Customer.objects.annotate(c=Trim("country"))
        .values("c")
        .annotate(n=Count("pk"))
        .order_by("c")
    )
    return {
        "reps": rows,
        # every office (of the selected territory), with no rep too: counted by office code
        "per_office": sorted(
            (office.label, per_office[code])
            for code, office in offices.items()
            if not flt.territory or office.territory == flt.territory
        ),
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
