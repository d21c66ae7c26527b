"""Shared definitions of every sales analytic: filters, the as-of date, revenue, periods.

Revenue = Σ quantity_ordered × price_each of order lines whose order has an order
date and a status not in ``SalesSettings.excluded_statuses`` (default: Cancelled).
Every figure stops at the as-of date: ``revenue_lines`` and ``counted_orders``, which
all the analytics build on, leave out orders placed after ``SalesSettings.as_of_date``.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Trim

from fleetops.money import cents
from fleetops.text import nul_free
from sales.models import Order, OrderLine, Product, SalesSettings

UNASSIGNED = "Unassigned"
TERRITORIES = ("NA", "EMEA", "APAC", "Japan")


def money(value) -> Decimal:
    """An amount in cents, half a cent rounded up (as invoices and feeds round)."""
    return cents(Decimal(value or 0))


def ratio(numerator, denominator) -> float | None:
    """``numerator / denominator`` as a float, ``None`` when the denominator is 0."""
    if not denominator:
        return None
    return float(Decimal(numerator) / Decimal(denominator))


def change(current, prior) -> float | None:
    """Year-over-year change: (current − prior) / prior; ``None`` without a prior value."""
    if current is None or prior in (None, 0):
        return None
    return float((Decimal(str(current)) - Decimal(str(prior))) / Decimal(str(prior)))


@dataclass(frozen=True)
class SalesFilter:
    """The page filters, all optional; they live in the URL query string."""

    year: int | None = None
    territory: str = ""
    country: str = ""
    product_line: str = ""

    @classmethod
    def from_params(cls, params) -> "SalesFilter":
        def text(name: str, limit: int) -> str:
            return nul_free(params.get(name, "")).strip()[:limit]

        year = params.get("year", "")
        return cls(
            year=int(year) if year.isdecimal() and 1900 < int(year) < 3000 else None,
            territory=text("territory", 20),
            country=text("country", 50),
            product_line=text("product_line", 50),
        )

    def without_year(self) -> "SalesFilter":
        return replace(self, year=None)

    def as_params(self) -> dict[str, str]:
        params = {
            "year": str(self.year or ""),
            "territory": self.territory,
            "country": self.country,
            "product_line": self.product_line,
        }
        return {k: v for k, v in params.items() if v}


def latest_order_date() -> date | None:
    return Order.objects.aggregate(d=Max("order_date"))["d"]


def as_of_date(settings: SalesSettings) -> date | None:
    """The 'as of' date: the setting when set, else the latest order date in the data."""
    return settings.as_of_date or latest_order_date()


def year_after_as_of(year: int | None, as_of: date | None) -> bool:
    """A selected year that starts after the as-of date: it has no figures; pages and the
    API refuse it instead of showing an empty year (or, for the KPIs, a -100% change)."""
    return year is not None and as_of is not None and year > as_of.year


def effective_as_of(settings: SalesSettings, flt: SalesFilter, as_of: date | None) -> date | None:
    """With a year selected, history is read as at the end of that year (or the as-of date)."""
    if as_of is None or flt.year is None:
        return as_of
    return min(as_of, date(flt.year, 12, 31))


def line_products(product_line: str) -> list[str]:
    """Codes of a product line's products. Filters compare order lines' product codes
    with this literal list (checked on the line itself) instead of joining every line to
    its product (at 100× classicmodels the Deep Dive of one line ran in half the time)."""
    return list(Product.objects.filter(product_line_id=product_line).values_list("pk", flat=True))


def revenue_expression():
    return ExpressionWrapper(
        F("quantity_ordered") * F("price_each"),
        output_field=DecimalField(max_digits=18, decimal_places=2),
    )


def _customer_q(flt: SalesFilter, prefix: str) -> Q:
    q = Q()
    if flt.territory == UNASSIGNED:
        q &= Q(**{f"{prefix}sales_rep__isnull": True})
    elif flt.territory:
        q &= Q(**{f"{prefix}sales_rep__office__territory": flt.territory})
    return q


def _with_country(qs: QuerySet, flt: SalesFilter, path: str) -> QuerySet:
    if not flt.country:
        return qs
    return qs.annotate(_country=Trim(path)).filter(_country=flt.country)


def _in_period(
    qs: QuerySet,
    field: str,
    settings: SalesSettings,
    flt: SalesFilter,
    *,
    start: date | None,
    end: date | None,
    use_year: bool,
) -> QuerySet:
    """Dated rows of ``qs`` whose order date (``field``) is in the filter's period, never
    after the as-of date set in the settings (unset, the as-of date is the latest order
    date: no order is after it)."""
    if settings.as_of_date is not None:
        end = settings.as_of_date if end is None else min(end, settings.as_of_date)
    qs = qs.filter(**{f"{field}__isnull": False})
    if use_year and flt.year:
        qs = qs.filter(**{f"{field}__year": flt.year})
    if start:
        qs = qs.filter(**{f"{field}__gte": start})
    if end:
        qs = qs.filter(**{f"{field}__lte": end})
    return qs


def revenue_lines(
    settings: SalesSettings,
    flt: SalesFilter,
    *,
    start: date | None = None,
    end: date | None = None,
    use_year: bool = True,
) -> QuerySet:
    """Order lines that count as revenue under the settings and filters."""
    qs = OrderLine.objects.exclude(order__status__in=settings.excluded_status_list)
    qs = _in_period(qs, "order__order_date", settings, flt, start=start, end=end, use_year=use_year)
    if flt.product_line:
        qs = qs.filter(product_id__in=line_products(flt.product_line))
    qs = qs.filter(_customer_q(flt, "order__customer__"))
    return _with_country(qs, flt, "order__customer__country")


def counted_orders(
    settings: SalesSettings,
    flt: SalesFilter,
    *,
    start: date | None = None,
    end: date | None = None,
    use_year: bool = True,
) -> QuerySet:
    """Orders that count (dated, status not excluded), filtered like ``revenue_lines``."""
    qs = Order.objects.exclude(status__in=settings.excluded_status_list)
    qs = _in_period(qs, "order_date", settings, flt, start=start, end=end, use_year=use_year)
    if flt.product_line:
        codes = line_products(flt.product_line)
        qs = qs.filter(pk__in=OrderLine.objects.filter(product_id__in=codes).values("order_id"))
    qs = qs.filter(_customer_q(flt, "customer__"))
    return _with_country(qs, flt, "customer__country")


def order_revenue(
    settings: SalesSettings,
    flt: SalesFilter,
    *,
    start: date | None = None,
    end: date | None = None,
    use_year: bool = True,
) -> QuerySet:
    """Counted orders with revenue, annotated ``rev`` (the order's revenue).

    Unfiltered by product line, ``rev`` comes from the ``OrderTotal`` read model (no
    join to the order lines); with a product line selected it is the sum of that line's
    order lines only. Order-level analytics aggregate this queryset.
    """
    qs = counted_orders(settings, flt, start=start, end=end, use_year=use_year)
    if flt.product_line:
        lines = (
            OrderLine.objects.filter(
                order_id=OuterRef("pk"), product_id__in=line_products(flt.product_line)
            )
            .values("order_id")
            .annotate(s=Sum(revenue_expression()))
            .values("s")
        )
        return qs.annotate(
            rev=Subquery(lines, output_field=DecimalField(max_digits=18, decimal_places=2))
        )
    return qs.filter(total__isnull=False).annotate(rev=F("total__revenue"))


def same_day_prior_year(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


@dataclass(frozen=True)
class Periods:
    """A calendar year and the span of the prior year it is compared with."""

    year: int
    start: date
    end: date
    prior_start: date
    prior_end: date
    year_to_date: bool

    @property
    def label(self) -> str:
        if self.year_to_date:
            return f"{self.year} to {self.end:%d %b} vs {self.year - 1} to {self.prior_end:%d %b}"
        return f"{self.year} vs {self.year - 1}"


def periods_for(year: int, as_of: date | None) -> Periods:
    """YoY periods: a year still incomplete at the as-of date compares year to date; a
    year after the as-of date has no periods (callers refuse it: ``year_after_as_of``)."""
    if year_after_as_of(year, as_of):
        raise ValueError(f"{year} is after the as-of date {as_of}")
    start, end = date(year, 1, 1), date(year, 12, 31)
    if as_of is not None and start <= as_of < end:
        return Periods(year, start, as_of, date(year - 1, 1, 1), same_day_prior_year(as_of), True)
    return Periods(year, start, end, date(year - 1, 1, 1), date(year - 1, 12, 31), False)


def days_between(later: date | None, earlier: date | None) -> int | None:
    if later is None or earlier is None:
        return None
    return (later - earlier).days


def add_days(day: date | None, days: float | None) -> date | None:
    if day is None or days is None:
        return None
    return day + timedelta(days=round(days))
