"""Feed issues: the rows an import refused or kept with a warning, listed, filtered to
one import (its page links here) and exported as CSV for the source to correct."""

from django.contrib import admin

from fleetops.admin_mixins import RecentDaysFilter, ServiceWrittenMixin
from fleetops.csvexport import csv_response
from fleetops.paginators import EstimatedCountPaginator
from inventory.models import FeedIssue


class FeedImportFilter(admin.SimpleListFilter):
    """The issues of one import (the import page's link): shown in the sidebar while
    chosen, so "Clear all filters" clears it; no list of every import."""

    title = "import"
    parameter_name = "feed_import__id__exact"

    def lookups(self, request, model_admin):
        value = self.value()
        return [(value, f"Import #{value}")] if value and value.isdigit() else []

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(feed_import_id=int(value)) if value and value.isdigit() else queryset


class ImportedRecentlyFilter(RecentDaysFilter):
    title = "imported"
    field = "feed_import__started_at"


ISSUE_EXPORT_HEADER = ["import", "source", "store", "file", "line_number", "raw_value", "reason",
                       "warning", "message"]  # fmt: skip


# the import page's link to its issues: this list filtered by the import
ISSUES_OF = FeedImportFilter.parameter_name


@admin.register(FeedIssue)
class FeedIssueAdmin(ServiceWrittenMixin, admin.ModelAdmin):
    superuser_may_delete = True
    list_display = ("feed_import", "line_number", "raw_value", "reason", "is_warning", "message")
    list_filter = (FeedImportFilter, "reason", "is_warning", "feed_import__source",
                   ImportedRecentlyFilter)  # fmt: skip
    search_fields = ("=raw_value",)
    raw_id_fields = ("feed_import",)
    list_select_related = ("feed_import",)
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    actions = ("export_csv",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in FeedIssue._meta.fields]

    def has_export_permission(self, request):
        return request.user.has_perm("inventory.export_feedissue")

    # clerks send the rejected rows back to the source; triage staff read them
    @admin.action(description="Export selected to CSV", permissions=["export"])
    def export_csv(self, request, queryset):
        """The selected issues as CSV, formula-like cells quoted (``csv_response``)."""
        rows = queryset.select_related("feed_import").order_by("feed_import_id", "line_number",
                                                                "id")  # fmt: skip
        return csv_response(
            "feed-issues.csv",
            ISSUE_EXPORT_HEADER,
            (
                [i.feed_import_id, i.feed_import.source, i.feed_import.store,
                 i.feed_import.filename, i.line_number, i.raw_value, i.reason,
                 "yes" if i.is_warning else "no", i.message]
                for i in rows.iterator(chunk_size=2000)
            ),
        )  # fmt: skip
