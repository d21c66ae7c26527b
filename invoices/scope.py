"""What the invoices dashboard covers: invoice dates from/to and a shop, read from the URL.

Every figure of the page, and the admin list each figure links to, reads the same scope:
raw invoices by their ``invoice_date`` and ``shop_title``, line items by their own copies
of both (written from the same payload), data-quality issues by their invoice's. Without
dates every invoice counts, those without an invoice date too; with a date, only invoices
dated in the range (both days included).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from fleetops.text import nul_free

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
PARAMS = {"date_from": "Invoice date from", "date_to": "Invoice date to"}


@dataclass(frozen=True)
class InvoiceScope:
    """The invoices the dashboard's figures count; the empty scope is every invoice."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    shop: str = ""

    @classmethod
    def from_params(cls, params) -> tuple[InvoiceScope, list[str]]:
        """The scope of the URL's ``date_from``, ``date_to`` (YYYY-MM-DD) and ``shop``, and
        what was wrong with them: a bad date is ignored, dates in the wrong order both are
        (every date counts), each said in a message for the page."""
        errors: list[str] = []
        dates: dict[str, dt.date | None] = {}
        for name, label in PARAMS.items():
            text = nul_free(params.get(name, "")).strip()
            dates[name] = None
            if not text:
                continue
            try:
                if not _ISO_DATE.fullmatch(text):
                    raise ValueError(text)
                dates[name] = dt.date.fromisoformat(text)
            except ValueError:
                errors.append(
                    f"{label}: “{text[:40]}” is not a date (YYYY-MM-DD, e.g. 2025-07-01); "
                    "it is ignored."
                )
        start, end = dates["date_from"], dates["date_to"]
        if start and end and start > end:
            errors.append(
                f"Invoice date from ({start:%Y-%m-%d}) is after invoice date to "
                f"({end:%Y-%m-%d}): both dates are ignored, invoices of every date count."
            )
            start = end = None
        shop = nul_free(params.get("shop", "")).strip()[:200]
        return cls(date_from=start, date_to=end, shop=shop), errors

    @property
    def dated(self) -> bool:
        return self.date_from is not None or self.date_to is not None

    def __bool__(self) -> bool:
        """True when the scope narrows anything (a date or a shop)."""
        return self.dated or bool(self.shop)

    def condition(self, prefix: str = "") -> Q:
        """The scope on a model with ``invoice_date`` and ``shop_title`` (at ``prefix``)."""
        q = Q()
        if self.date_from is not None:
            q &= Q(**{f"{prefix}invoice_date__gte": self.date_from})
        if self.date_to is not None:
            q &= Q(**{f"{prefix}invoice_date__lte": self.date_to})
        if self.shop:
            q &= Q(**{f"{prefix}shop_title": self.shop})
        return q

    def apply(self, queryset: QuerySet, prefix: str = "") -> QuerySet:
        return queryset.filter(self.condition(prefix)) if self else queryset

    def admin_params(self, date_field: str = "invoice_date") -> dict[str, str]:
        """The admin list parameters selecting the same rows: the date filter's own
        (``<date_field>__gte`` and ``__lt`` the day after the last) and ``shop``."""
        params = {}
        if self.date_from is not None:
            params[f"{date_field}__gte"] = self.date_from.isoformat()
        if self.date_to is not None and self.date_to < dt.date.max:
            params[f"{date_field}__lt"] = (self.date_to + dt.timedelta(days=1)).isoformat()
        if self.shop:
            params["shop"] = self.shop
        return params

    def as_params(self) -> dict[str, str]:
        """The scope as the dashboard's own URL parameters (for links back to it)."""
        params = {
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "shop": self.shop,
        }
        return {k: v for k, v in params.items() if v}


EVERY_INVOICE = InvoiceScope()


def period_label(scope: InvoiceScope, first: dt.date | None, last: dt.date | None, undated=0):
    """The span the figures cover: "Invoices dated 2025-01-02 to 2025-07-09". ``first`` and
    ``last`` are the first and last invoice dates in scope; a bound chosen wins over them."""
    start = scope.date_from or first
    end = scope.date_to or last
    if start is None and end is None:
        return "No invoice with an invoice date" if undated else "No invoices"
    if start is None or end is None:  # one bound chosen, no invoice on that side of it
        day = start or end
        text = f"Invoices dated {'from' if start else 'up to'} {day:%Y-%m-%d}"
    else:
        text = f"Invoices dated {start:%Y-%m-%d} to {end:%Y-%m-%d}"
    if scope.date_from is None and scope.date_to is None:
        text += " (every invoice: no dates chosen)"
        if undated:
            text += f", and {undated:,} without an invoice date"
    return text
