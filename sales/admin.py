"""Admin: clerks import/export each table as CSV (preview first); managers edit the settings."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html, format_html_join
from import_export.forms import ImportForm

from fleetops.admin_mixins import QuotedRawIdLinksMixin, person
from fleetops.csvexport import StreamedImportExportMixin
from fleetops.formats import CSV
from fleetops.imports import ReadableImportMixin
from fleetops.paginators import EstimatedCountPaginator
from fleetops.uploads import upload_size_check
from sales import models
from sales.resources import RESOURCE_BY_MODEL
from sales.tables import instance_date_issue
from sales.totals import order_totals_refresh


class SizeCheckedImportForm(ImportForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["import_file"].help_text = (
            "A CSV file of this table with all its columns (export it to see the layout). "
            "Its rows are added or updated by their key; rows of the table that are not in "
            "the file are kept (nothing is deleted). The preview lists each change and each "
            "bad line; nothing is written until you confirm."
        )

    def clean_import_file(self):
        upload = self.cleaned_data["import_file"]
        try:
            upload_size_check(upload)
        except Exception as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


class TableAdmin(ReadableImportMixin, StreamedImportExportMixin, admin.ModelAdmin):
    """Import shows a preview listing every row error and writes nothing until confirmed."""

    import_form_class = SizeCheckedImportForm
    formats = [CSV]  # blank lines before the header skipped (a 500 once)
    from_encoding = "utf-8-sig"
    to_encoding = "utf-8-sig"  # a BOM, as every FleetOps CSV download: Excel reads UTF-8
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    list_per_page = 50

    def get_resource_classes(self, request=None):
        return [RESOURCE_BY_MODEL[self.model]]

    def get_readonly_fields(self, request, obj=None):
        """A row's natural key is fixed once the row exists: saved with another key, the
        change form inserted a second row beside the first (Django saves a changed primary
        key as a new row)."""
        fields = super().get_readonly_fields(request, obj)
        pk = self.model._meta.pk
        if obj is not None and not pk.auto_created:
            return (*fields, pk.name)
        return fields


@admin.register(models.Office)
class OfficeAdmin(TableAdmin):
    list_display = ("office_code", "city", "country", "territory")
    list_filter = ("territory",)


@admin.register(models.Employee)
class EmployeeAdmin(TableAdmin):
    list_display = ("employee_number", "first_name", "last_name", "job_title", "office")
    list_select_related = ("office",)
    search_fields = ("=employee_number", "last_name")
    raw_id_fields = ("reports_to",)


@admin.register(models.Customer)
class CustomerAdmin(TableAdmin):
    list_display = ("customer_number", "customer_name", "country", "sales_rep", "credit_limit")
    list_select_related = ("sales_rep",)
    search_fields = ("=customer_number", "customer_name")
    raw_id_fields = ("sales_rep",)


@admin.register(models.ProductLine)
class ProductLineAdmin(TableAdmin):
    list_display = ("product_line",)


@admin.register(models.Product)
class ProductAdmin(TableAdmin):
    list_display = ("product_code", "product_name", "product_line", "quantity_in_stock", "msrp")
    list_filter = ("product_line",)
    search_fields = ("=product_code", "product_name")


@admin.register(models.Order)
class OrderAdmin(TableAdmin):
    list_display = ("order_number", "order_date", "status", "customer", "date_issue")
    list_select_related = ("customer",)
    list_filter = ("status",)
    search_fields = ("=order_number",)
    raw_id_fields = ("customer",)
    readonly_fields = ("date_issue",)
    date_hierarchy = None

    def save_model(self, request, obj, form, change):
        # the missing dates, as the loader and the import record them
        obj.date_issue = instance_date_issue(obj)
        super().save_model(request, obj, form, change)


@admin.register(models.OrderLine)
class OrderLineAdmin(QuotedRawIdLinksMixin, TableAdmin):
    list_display = ("order", "product", "quantity_ordered", "price_each", "order_line_number")
    list_select_related = ("order", "product")
    search_fields = ("=order__order_number", "=product__product_code")
    raw_id_fields = ("order", "product")

    # Every change of order lines refreshes the affected orders' totals (read model).
    def save_model(self, request, obj, form, change):
        old = models.OrderLine.objects.filter(pk=obj.pk).values_list("order_id", flat=True)
        ids = {obj.order_id, *old}
        super().save_model(request, obj, form, change)
        order_totals_refresh(order_ids=ids)

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        order_totals_refresh(order_ids=[obj.order_id])

    def delete_queryset(self, request, queryset):
        ids = list(queryset.values_list("order_id", flat=True).distinct())
        super().delete_queryset(request, queryset)
        order_totals_refresh(order_ids=ids)


@admin.register(models.Payment)
class PaymentAdmin(TableAdmin):
    list_display = ("customer", "check_number", "payment_date", "amount")
    list_select_related = ("customer",)
    search_fields = ("=customer__customer_number", "check_number")
    raw_id_fields = ("customer",)


@admin.register(models.SalesSettings)
class SalesSettingsAdmin(admin.ModelAdmin):
    """One row: every threshold of the sales pages; managers change it here."""

    list_display = ("__str__", "as_of_date", "excluded_statuses", "credit_ratio", "updated_at")
    readonly_fields = ("updated_at",)
    fieldsets = (
        ("Every page", {
            "fields": ("as_of_date", "excluded_statuses", "updated_at"),
            "description": "Every sales page, CSV download and API call reads these settings "
            "afresh: a change takes effect at the next page load.",
        }),
        ("Risks", {"fields": ("credit_ratio",)}),
        ("Opportunities: customers", {
            "fields": ("overdue_days", "churn_days", "rfm_top_min", "rfm_high_min",
                       "rfm_mid_min"),
        }),
        ("Opportunities: products", {
            "fields": ("demand_trend_pct", "demand_window_days", "crosssell_min_orders",
                       "crosssell_window_days"),
        }),
        ("Deep Dive: ABC classes", {"fields": ("abc_a_pct", "abc_b_pct")}),
    )  # fmt: skip

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not models.SalesSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(models.LoadRun)
class LoadRunAdmin(admin.ModelAdmin):
    list_display = (
        "pk", "status", "started_at", "finished_at", "rows_total", "excluded_orders", "error"
    )  # fmt: skip
    list_filter = ("status",)
    fields = readonly_fields = (
        "id", "status", "started_at", "finished_at", "created_by_name", "directory", "rows_table",
        "removed_table", "excluded_orders", "problems_table", "error", "heartbeat_at",
    )  # fmt: skip
    show_full_result_count = False
    created_by_name = person("created_by", "created by")

    @admin.display(description="Rows")
    def rows_total(self, obj):
        return f"{obj.rows_total:,}"

    @staticmethod
    def _counts_table(counts: dict):
        if not counts:
            return "None."
        return format_html(
            '<table><tr><th>Table</th><th class="num">Rows</th></tr>{}</table>',
            format_html_join(
                "", '<tr><td>{}</td><td class="num">{}</td></tr>',
                ((table, f"{count:,}") for table, count in counts.items()),
            ),
        )  # fmt: skip

    @admin.display(description="CSV rows loaded per table")
    def rows_table(self, obj):
        return self._counts_table(obj.rows)

    @admin.display(description="Rows removed per table (not in the files)")
    def removed_table(self, obj):
        return self._counts_table(obj.removed)

    @admin.display(description="Row errors (first 200)")
    def problems_table(self, obj):
        if not obj.problems:
            return "None."
        rows, more = obj.problems[:200], len(obj.problems) - 200
        return format_html(
            "<table><tr><th>Table</th><th>Line</th><th>Error</th></tr>{}</table>{}",
            format_html_join(
                "", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((p.get("table", ""), p.get("line", ""), p.get("error", "")) for p in rows),
            ),
            f"… and {more:,} more." if more > 0 else "",
        )  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
