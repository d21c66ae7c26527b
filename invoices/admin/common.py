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


class ShopFilter(admin.SimpleListFilter):
    """Rows of the invoices of one shop (``?shop=``, as the dashboard's links give it).

    ``invoice_field``: the path to the raw invoice's id (lines and issues find theirs
    through the raw invoices, as the customer filter does). The chosen shop stays offered
    when it is not among the cached choices.
    """

    title = "shop"
    parameter_name = "shop"
    invoice_field = "pk"

    def lookups(self, request, model_admin):
        from invoices.selectors import shops

        names = shops()
        chosen = self.value()
        if chosen and chosen not in names:
            names = [chosen, *names]
        return [(name, name) for name in names]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        from invoices.models import RawInvoice

        invoices = RawInvoice.objects.filter(shop_title=nul_free(self.value())).values("id")
        return queryset.filter(**{f"{self.invoice_field}__in": invoices})


class InvoiceRowShopFilter(ShopFilter):
    """Line items or issues of the invoices of one shop."""

    invoice_field = "raw_invoice_id"
