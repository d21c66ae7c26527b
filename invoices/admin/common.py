"""Pieces shared by the invoices admin pages."""

from django.contrib import admin

from fleetops.admin_mixins import ServiceWrittenMixin
from fleetops.paginators import EstimatedCountPaginator
from fleetops.text import nul_free


class ReadOnlyAdmin(ServiceWrittenMixin, admin.ModelAdmin):
    """Rows written only by services: viewable, never added or edited by hand."""

    superuser_may_delete = True
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator


def search_term_clean(term: str) -> str:
    """The search box's text, stripped and without NUL (see ``fleetops.text.nul_free``)."""
    return nul_free(term).strip()


def exact_search(queryset, term: str, fields: tuple[str, ...], upper: tuple[str, ...] = ()):
    """OR of exact matches (index friendly at a million rows); ``upper`` fields are upper-cased."""
    from django.db.models import Q

    term = search_term_clean(term)
    if not term:
        return queryset
    condition = Q()
    for field in fields:
        condition |= Q(**{field: term.upper() if field in upper else term})
    return queryset.filter(condition)
