"""Read endpoints of the sales analytics (``/api/sales/``); each needs sales.view_dashboard."""

from datetime import date

from ninja import Query, Router, Schema
from ninja.errors import HttpError

from fleetops.auth import api_auth
from sales.models import SalesSettings
from sales.selectors import abc, kpis, regional
from sales.selectors.base import SalesFilter, as_of_date, year_after_as_of

router = Router()
PERM = "sales.view_dashboard"
# A calendar year the date arithmetic can handle (year 0 or 10**6 was a 500).
Year = Query(
    None,
    ge=1900,
    le=2999,
    description="Calendar year (default: the latest year with orders up to the as-of date).",
)


class YoyOut(Schema):
    revenue: float | None
    orders: float | None
    customers: float | None
    aov: float | None
    on_time_rate: float | None


class PeriodOut(Schema):
    start: date
    end: date
    prior_start: date
    prior_end: date
    year_to_date: bool


class KpisOut(Schema):
    year: int
    revenue: float
    orders: int
    customers: int
    aov: float | None
    on_time_rate: float | None
    yoy: YoyOut
    period: PeriodOut
    has_previous_year: bool


class RegionOut(Schema):
    name: str
    revenue: float
    orders: int
    customers: int
    aov: float | None
    share: float | None


class AbcOut(Schema):
    key: str
    name: str
    revenue: float
    share: float | None
    cumulative_before: float
    abc: str


def _num(value):
    return None if value is None else float(value)


def _settings(year: int | None) -> SalesSettings:
    """The settings; a year after the as-of date is refused (no order of it counts)."""
    settings = SalesSettings.current()
    if year is not None:
        as_of = as_of_date(settings)
        if year_after_as_of(year, as_of):
            raise HttpError(422, f"year {year} is after the as-of date {as_of:%Y-%m-%d}.")
    return settings


@router.get(
    "/kpis",
    response=KpisOut,
    summary="Executive KPIs of a year with YoY change",
    auth=api_auth(PERM),
)
def kpis_get(request, year: int | None = Year):
    """Revenue, orders, active customers, AOV and on-time rate of ``year`` (default: the
    latest year with orders up to the as-of date) with YoY change; incomplete years compare
    the same span of the prior year (``period``). Without a previous year in the data
    (``has_previous_year`` false) every YoY change is null."""
    settings = _settings(year)
    as_of = as_of_date(settings)
    if year is None:
        if as_of is None:
            raise HttpError(404, "No orders yet.")
        year = kpis.kpi_year(settings, as_of)
    k = kpis.executive_kpis(settings, SalesFilter(), year, as_of)
    return {
        "year": year,
        "revenue": float(k["revenue"]),
        "orders": k["orders"],
        "customers": k["customers"],
        "aov": _num(k["aov"]),
        "on_time_rate": k["on_time_rate"],
        "yoy": k["yoy"],
        "period": k["periods"],
        "has_previous_year": k["has_previous_year"],
    }


@router.get(
    "/regions",
    response=list[RegionOut],
    summary="Revenue by country or territory",
    auth=api_auth(PERM),
)
def regions_get(request, by: str = "country", year: int | None = Year):
    settings = _settings(year)
    flt = SalesFilter(year=year)
    if by not in ("country", "territory"):
        raise HttpError(422, "by must be 'country' or 'territory'.")
    fn = regional.revenue_by_country if by == "country" else regional.revenue_by_territory
    return [{**r, "revenue": float(r["revenue"]), "aov": _num(r["aov"])} for r in fn(settings, flt)]


@router.get(
    "/abc/{kind}",
    response=list[AbcOut],
    summary="ABC classes of customers/products/reps",
    auth=api_auth(PERM),
)
def abc_get(request, kind: str, year: int | None = Year):
    settings = _settings(year)
    flt = SalesFilter(year=year)
    if kind == "customers":
        rows = [
            {**r, "key": str(r["customer_number"]), "name": r["customer_name"]}
            for r in abc.customers_abc(settings, flt)
        ]
    elif kind == "products":
        rows = [
            {**r, "key": r["product_code"], "name": r["product_name"]}
            for r in abc.products_abc(settings, flt)
        ]
    elif kind == "reps":
        rows = [{**r, "key": str(r["employee_number"])} for r in abc.reps_abc(settings, flt)]
    else:
        raise HttpError(404, "kind must be customers, products or reps.")
    return [{**r, "revenue": float(r["revenue"])} for r in rows]
