"""Line items: filters by type, technician, customer, date; exact search; CSV export for clerks."""

from django.contrib import admin
from django.core.cache import cache
from import_export import resources
from import_export.admin import ExportMixin

from invoices.admin.common import ReadOnlyAdmin, exact_search
from invoices.choices import LineType
from invoices.models import LineItem

EXPORT_FIELDS = (
    "invoice_primary_key", "invoice_number", "invoice_date", "customer_title", "shop_title",
    "repair_order_number", "unit_vin", "unit_number", "complaint_note", "correction_title",
    "line_number", "line_type", "part_number", "description", "category", "quantity",
    "unit_cost", "unit_price", "amount", "cost_amount", "margin", "taxable", "technician",
    "hours", "actual_hours",
)  # fmt: skip


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
        if self.value():
            return queryset.filter(**self.scope, **{self.field: self.value()})
        return queryset


class TechnicianFilter(DistinctValueFilter):
    title = "technician"
    parameter_name = "technician"
    field = "technician"
    # Only labor rows have a technician (flattening): served by the partial index
    # invoices_line_labor_tech on PostgreSQL, no index of its own to maintain.
    scope = {"line_type": LineType.LABOR}


class CustomerFilter(DistinctValueFilter):
    title = "customer"
    parameter_name = "customer"
    field = "customer_title"


@admin.register(LineItem)
class LineItemAdmin(ExportMixin, ReadOnlyAdmin):
    resource_classes = [LineItemResource]
    list_display = ("invoice_number", "line_number", "invoice_date", "line_type", "description",
                    "part_number", "quantity", "unit_price", "amount", "technician", "hours",
                    "actual_hours", "customer_title", "unit_vin")  # fmt: skip
    list_filter = ("line_type", TechnicianFilter, CustomerFilter, "invoice_date")
    search_fields = ("invoice_number",)
    search_help_text = "Exact invoice number, unit VIN or part number."
    list_select_related = ()
    raw_id_fields = ("raw_invoice",)
    ordering = ("-id",)

    def get_search_results(self, request, queryset, search_term):
        fields = ("invoice_number", "unit_vin", "part_number")
        return exact_search(queryset, search_term, fields, upper=("unit_vin",)), False

    def get_export_queryset(self, request):
        return super().get_export_queryset(request).order_by("raw_invoice_id", "line_number")
