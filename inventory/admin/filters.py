"""List filters that stay cheap at a million rows (indexed columns, no facet counts)."""

from datetime import timedelta

from django.contrib import admin
from django.db.models import Q
from django.utils import timezone

from fleetops.paginators import EstimatedCountPaginator
from inventory.models import OPEN_STATES


class ShortCountPaginator(EstimatedCountPaginator):
    """Filtered lists counted exactly up to 2,000 rows (40 pages of 50), not 10,000: the
    bounded count of a filter that matches few rows in a million (a store, "missing in
    vAuto") walks the table until it has found them, and cost more than the page. Past
    2,000 the list shows the planner's estimate ("about N") and every page still opens."""

    cap = 2_000


class OpenStateFilter(admin.SimpleListFilter):
    """State; the list opens on the open work (open, acknowledged, snoozed); "All" shows all.

    Without a ``state`` parameter the changelist shows ``open_all``: triage staff start from
    what still needs them, and links that pass their own ``state`` (the dashboard's
    drill-through, "All", "Resolved"...) get exactly that. An admin action posted with an
    explicit selection acts on the rows ticked, even one someone closed meanwhile (the
    service then reports it as changed by someone else first); "select all" keeps the filter.
    """

    title = "state"
    parameter_name = "state"
    DEFAULT = "open_all"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [
            (self.ALL, "All"),
            (self.DEFAULT, "Open (any)"),
            ("open", "Open"),
            ("acknowledged", "Acknowledged"),
            ("snoozed", "Snoozed"),
            ("resolved", "Resolved"),
            ("cleared", "Cleared by feed"),
        ]

    def choices(self, changelist):
        current = self.value() or self.DEFAULT
        for lookup, title in self.lookup_choices:
            yield {
                "selected": current == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def queryset(self, request, queryset):
        value = self.value()
        if value is None and _explicit_selection(request):
            return queryset
        value = value or self.DEFAULT
        if value == self.ALL:
            return queryset
        if value == self.DEFAULT:
            return queryset.filter(state__in=OPEN_STATES)
        return queryset.filter(state=value)


def _explicit_selection(request) -> bool:
    """An admin action posted for ticked rows (not "select all N")."""
    return (
        request.method == "POST"
        and "action" in request.POST
        and request.POST.get("select_across", "0") in ("", "0")
    )


class SlaBreachedFilter(admin.SimpleListFilter):
    title = "SLA"
    parameter_name = "sla"

    def lookups(self, request, model_admin):
        return [("breached", "Breached"), ("ok", "Within SLA")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "breached":
            return queryset.filter(state__in=OPEN_STATES, sla_due_at__lt=now)
        if self.value() == "ok":
            return queryset.filter(state__in=OPEN_STATES, sla_due_at__gte=now)
        return queryset


class AgeBucketFilter(admin.SimpleListFilter):
    title = "age"
    parameter_name = "age"
    BUCKETS = {"0-1": (0, 1), "1-3": (1, 3), "3-7": (3, 7), "7-30": (7, 30), "30+": (30, None)}

    def lookups(self, request, model_admin):
        return [(key, f"{key} days") for key in self.BUCKETS]

    def queryset(self, request, queryset):
        bucket = self.BUCKETS.get(self.value() or "")
        if not bucket:
            return queryset
        now = timezone.now()
        low, high = bucket
        queryset = queryset.filter(opened_at__lte=now - timedelta(days=low))
        if high is not None:
            queryset = queryset.filter(opened_at__gt=now - timedelta(days=high))
        return queryset


class StoreFilter(admin.SimpleListFilter):
    title = "store"
    parameter_name = "store"

    def lookups(self, request, model_admin):
        from inventory.selectors import known_stores

        return [(s, s) for s in known_stores()]

    def queryset(self, request, queryset):
        return queryset.filter(store=self.value()) if self.value() else queryset


class MissingInFilter(admin.SimpleListFilter):
    """Vehicles by presence: "missing in vAuto", "in all three", ..."""

    title = "presence"
    parameter_name = "presence"
    CHOICES = {
        "aligned": ("In CDK, vAuto and LoJack", Q(in_cdk=True, in_vauto=True, in_lojack=True)),
        "no_vauto": ("In CDK, missing in vAuto", Q(in_cdk=True, in_vauto=False)),
        "no_cdk": ("In vAuto, missing in CDK", Q(in_vauto=True, in_cdk=False)),
        "no_lojack": ("In CDK, missing in LoJack", Q(in_cdk=True, in_lojack=False)),
        "oem_no_cdk": ("OEM order, missing in CDK", Q(in_oem=True, in_cdk=False)),
        "gone": ("Gone from every source", Q(combo="")),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _) in self.CHOICES.items()]

    def queryset(self, request, queryset):
        choice = self.CHOICES.get(self.value() or "")
        return queryset.filter(choice[1]) if choice else queryset


def exact_search(queryset, term: str):
    """VIN / stock number search that uses indexes: exact, VIN prefix or last 8."""
    term = "".join(term.split()).replace("-", "").upper()
    if not term:
        return queryset
    condition = Q(vin=term) | Q(stock_number=term)
    if 8 <= len(term) < 17:
        condition |= Q(vin__startswith=term)
    if len(term) == 8:
        condition |= Q(vin__endswith=term)
    return queryset.filter(condition)
