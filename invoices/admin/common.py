"""Pieces shared by the invoices admin pages."""

from django.contrib import admin

from fleetops.paginators import EstimatedCountPaginator


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services: viewable, never added or edited by hand."""

    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


def exact_search(queryset, term: str, fields: tuple[str, ...], upper: tuple[str, ...] = ()):
    """OR of exact matches (index friendly at a million rows); ``upper`` fields are upper-cased."""
    from django.db.models import Q

    term = term.strip()
    if not term:
        return queryset
    condition = Q()
    for field in fields:
        condition |= Q(**{field: term.upper() if field in upper else term})
    return queryset.filter(condition)
