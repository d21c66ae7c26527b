"""Line items: filters by type, technician, customer, part, date; exact search; CSV export."""

from decimal import Decimal
from functools import partial

from django.contrib import admin
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.cache import cache
from django.db.models import F, OrderBy, Q
from import_export import resources

from fleetops.admin_mixins import DateRangeListFilter, field_column
from fleetops.csvexport import StreamedExportMixin
from fleetops.formats import CSV
from fleetops.text import nul_free
from invoices.admin.common import InvoiceRowShopFilter, ReadOnlyAdmin, search_term_clean
from invoices.choices import LineType
from invoices.models import PART_KEY, LineItem, PartsAnalysis, RawInvoice

EXPORT_FIELDS = (
    "invoice_primary_key", "invoice_number", "invoice_date", "customer_title", "shop_title",
    "repair_order_number", "unit_vin", "unit_number", "complaint_note", "correction_title",
    "line_number", "line_type", "part_number", "description", "category", "quantity",
    "unit_cost", "unit_price", "amount", "cost_amount", "margin", "taxable", "technician",
    "hours", "actual_hours",
)  # fmt: skip


MAX_SEARCH_INVOICES = 1000  # invoices of one unit or number a search lists lines of


class LineItemResource(resources.ModelResource):
    class Meta:
        model = LineItem
        fields = EXPORT_FIELDS
        export_order = EXPORT_FIELDS


class DistinctValueFilter(admin.SimpleListFilter):
    """Choices from the distinct values of one indexed column (a few hundred at most).

    At a million line items the DISTINCT costs a few hundred milliseconds, so the choices
    are cached for a few minutes.
    """

    field = ""
    scope: dict = {}  # rows the column is only ever set on (matches a partial index)
    limit = 300
    cache_seconds = 300

    def lookups(self, request, model_admin):
        def values():
            return list(
                LineItem.objects.filter(**self.scope)
                .exclude(**{self.field: ""})
                .order_by(self.field)
                .values_list(self.field, flat=True)
                .distinct()[: self.limit]
            )

        key = f"invoices:lineitem-filter:{self.field}"
        return [(v, v) for v in cache.get_or_set(key, values, self.cache_seconds)]

    def queryset(self, request, queryset):
        if self.value() is not None:  # present, even empty: the report's group of ""
            return queryset.filter(**self.scope, **{self.field: self.value()})
        return queryset


class TechnicianFilter(DistinctValueFilter):
    title = "technician"
    parameter_name = "technician"
    field = "technician"
    # Only labor rows have a technician (flattening): served by the partial index
    # invoices_line_labor_tech on PostgreSQL, no index of its own to maintain.
    scope = {"line_type": LineType.LABOR}


class CustomerFilter(admin.SimpleListFilter):
    """Lines of one customer's invoices, found through the raw invoices.

    A line's customer is its invoice's (both come from the same payload), so the filter
    and its choices read the raw invoices' partial index ``invoices_raw_customer``
    (processed invoices, the only ones with lines) instead of an index on a million line
    items that every ingested line would have to maintain.
    """

    title = "customer"
    parameter_name = "customer"
    limit = 300
    cache_seconds = 300

    def lookups(self, request, model_admin):
        def values():
            return list(
                _processed()
                .exclude(customer_title="")
                .order_by("customer_title")
                .values_list("customer_title", flat=True)
                .distinct()[: self.limit]
            )

        key = "invoices:lineitem-filter:customer_title"
        return [(v, v) for v in cache.get_or_set(key, values, self.cache_seconds)]

    def queryset(self, request, queryset):
        if self.value() is not None:  # present, even empty: the invoices without a customer
            invoices = _processed().filter(customer_title=self.value()).values("id")
            return queryset.filter(raw_invoice_id__in=invoices)
        return queryset


class PartFilter(admin.SimpleListFilter):
    """The part lines the parts report counts under one part: its part number, else its
    description (``LineItem.objects.for_part``, served by the partial index
    ``invoices_line_part_key`` on PostgreSQL). The dashboard's parts links use it.

    Choices: the parts that bring the most revenue (the report's order), cached like the
    other filters' choices, and the part chosen when it is not among them.
    """

    title = "part (number, else description)"
    parameter_name = "part"
    limit = 30
    cache_seconds = 300

    def lookups(self, request, model_admin):
        def values():
            return list(
                PartsAnalysis.objects.order_by("-revenue", "part_key").values_list(
                    "part_key", flat=True
                )[: self.limit]
            )

        keys = cache.get_or_set("invoices:lineitem-filter:part_key", values, self.cache_seconds)
        chosen = self.value()
        if chosen is not None and chosen not in keys:
            keys = [chosen, *keys]
        return [(k, k or "(no number or description)") for k in keys]

    def queryset(self, request, queryset):
        if self.value() is not None:
            return queryset.for_part(nul_free(self.value()))
        return queryset


def _invoices_matching(request, term: str | None = None) -> list[int]:
    """Ids of the raw invoices whose number or unit VIN is the search term (once a request)."""
    if term is None:
        term = search_term_clean(request.GET.get(SEARCH_VAR, ""))
    if not term:
        return []
    cached = getattr(request, "_invoices_matching", None)
    if cached is None or cached[0] != term:
        ids = list(
            RawInvoice.objects.filter(
                Q(invoice_number=term) | Q(unit_vin=term.upper())
            ).values_list("id", flat=True)[:MAX_SEARCH_INVOICES]
        )
        cached = request._invoices_matching = (term, ids)
    return cached[1]


def _processed():
    return RawInvoice.objects.filter(status=RawInvoice.Status.PROCESSED)


def _trimmed(value: Decimal | None, places: int = 0) -> str | None:
    """``value`` without the zeros its column pads it to four places with (1.1250 → 1.125,
    and 150.0000 → 150.00 with ``places=2``); None (the admin's "-") when empty."""
    if value is None:
        return None
    places = max(places, -value.normalize().as_tuple().exponent)
    return f"{value:,.{places}f}"


def _column(field: str, description: str, places: int | None = None):
    """A list column of ``field`` under a short header (the list has fourteen), sorted
    by the field; decimals :func:`_trimmed` to at least ``places`` places."""
    return field_column(
        field, description, None if places is None else partial(_trimmed, places=places)
    )


@admin.register(LineItem)
class LineItemAdmin(StreamedExportMixin, ReadOnlyAdmin):
    resource_classes = [LineItemResource]
    formats = [CSV]  # the one format clerks export, formulae escaped (fleetops.formats)
    list_display = (
        _column("invoice_number", "Invoice"), _column("line_number", "Line"),
        _column("invoice_date", "Date"), "line_type", "description",
        _column("part_number", "Part"), _column("quantity", "Qty", places=0),
        _column("unit_price", "Unit price", places=2), "amount", "technician",
        _column("hours", "Billed h", places=0), _column("actual_hours", "Clocked h", places=0),
        _column("customer_title", "Customer"), "unit_vin",
    )  # fmt: skip
    list_filter = ("line_type", TechnicianFilter, CustomerFilter, PartFilter,
                   InvoiceRowShopFilter, ("invoice_date", DateRangeListFilter))  # fmt: skip
    search_fields = ("invoice_number",)
    search_help_text = (
        "Exact invoice number, unit VIN, part number, or description of a part without a "
        "number (as typed or in capitals)."
    )
    list_select_related = ()
    raw_id_fields = ("raw_invoice",)
    ordering = ("-id",)

    def get_ordering(self, request):
        """Newest first. When a search matches invoices (by number or VIN), by ``id + 0``:
        their lines are few and found by index, and PostgreSQL must not walk the primary
        key backwards testing every line until it meets a hundred of them (190 ms for a
        VIN with 117 invoices at 100,000 invoices; the whole table for a VIN whose
        invoices are all old). A part number alone keeps the plain order: a popular
        part's lines are met early walking backwards, a rare one's are fetched by index."""
        if _invoices_matching(request):
            return [OrderBy(F("id") + 0, descending=True)]
        return super().get_ordering(request)

    def get_search_results(self, request, queryset, search_term):
        """Exact part number, the part lines counted under that part key (part number, else
        description: the parts report's), or the lines of the invoices with that number or
        unit VIN.

        Invoice number and VIN are looked up on the raw invoices (indexed there; a line
        carries its invoice's values), then their lines by the (raw invoice, line number)
        index: line items need no index of their own on those columns. Part numbers use
        their index, a part's description the partial index on the part key (a
        description is free text: no index of its own, which every ingested line would
        pay for). Part numbers and descriptions match as typed or in capitals, as Fullbay
        shops mostly write them.
        """
        term = search_term_clean(search_term)
        if not term:
            return queryset, False
        invoices = _invoices_matching(request, term)
        parts = sorted({term, term.upper()})
        return queryset.alias(part_key=PART_KEY).filter(
            Q(raw_invoice_id__in=invoices)
            | Q(part_number__in=parts)
            | Q(line_type=LineType.PART, part_key__in=parts)
        ), False

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).order_by("raw_invoice_id", "line_number")
