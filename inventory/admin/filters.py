"""List filters that stay cheap at a million rows (indexed columns, no facet counts)."""

import string
from datetime import timedelta

from django.contrib import admin, messages
from django.db.models import Q
from django.utils import timezone

from fleetops.paginators import EstimatedCountPaginator
from fleetops.text import nul_free
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


class ConditionHoldsFilter(admin.SimpleListFilter):
    """Whether the exception's condition held at the last reconciliation (``active``),
    whatever its triage state: with the state filter's "All", the vehicles the dashboard's
    kind and money cards count (a resolved exception whose condition still holds is one)."""

    title = "condition at the last reconciliation"
    parameter_name = "holds"

    def lookups(self, request, model_admin):
        return [("yes", "Still holds (any state)"), ("no", "No longer holds")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(active=self.value() == "yes")
        return queryset


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
    """The store; ``—`` for rows with none (the dashboard's per-store table has such a row)."""

    title = "store"
    parameter_name = "store"
    NONE = "—"

    def lookups(self, request, model_admin):
        from inventory.selectors import known_stores

        return [*((s, s) for s in known_stores()), (self.NONE, "(no store)")]

    def queryset(self, request, queryset):
        if self.value() == self.NONE:
            return queryset.filter(store="")
        return queryset.filter(store=nul_free(self.value())) if self.value() else queryset


class MissingInFilter(admin.SimpleListFilter):
    """Vehicles by presence: "in at least one source", "in CDK", "missing in vAuto", ...

    ``tracked`` is what the dashboard's "Vehicles tracked" counts (``combo`` not empty);
    the list without a choice also shows the vehicles gone from every source."""

    title = "presence"
    parameter_name = "presence"
    CHOICES = {
        "tracked": ("In at least one source", ~Q(combo="")),
        "aligned": ("In CDK, vAuto and LoJack", Q(in_cdk=True, in_vauto=True, in_lojack=True)),
        "in_cdk": ("In CDK", Q(in_cdk=True)),
        "in_vauto": ("In vAuto", Q(in_vauto=True)),
        "in_lojack": ("In LoJack", Q(in_lojack=True)),
        "in_oem": ("In OEM allocations", Q(in_oem=True)),
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


class SourcesHeldFilter(admin.SimpleListFilter):
    """Vehicles by exactly the sources that hold them (``combo``: C, V, L, O), as the
    dashboard's matrix counts them. Uses the ``combo`` index."""

    title = "sources (exactly)"
    parameter_name = "combo"
    NAMES = {"C": "CDK", "V": "vAuto", "L": "LoJack", "O": "OEM"}
    # the 15 combinations, most sources first ("CVLO", "CVL", ... "O")
    COMBOS = tuple(
        sorted(
            ("".join(c for i, c in enumerate("CVLO") if mask & (1 << i)) for mask in range(1, 16)),
            key=lambda combo: (-len(combo), ["CVLO".index(c) for c in combo]),
        )
    )

    def lookups(self, request, model_admin):
        return [(combo, f"{combo}: {', '.join(self.NAMES[c] for c in combo)}")
                for combo in self.COMBOS]  # fmt: skip

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(combo=value) if value in self.COMBOS else queryset


# The search of the vehicle and exception lists, by the lists' indexes, never a pattern
# over a million rows inside the list's query: a VIN prefix is a range of the VIN index
# (byte order: COLLATE "C" on PostgreSQL, SQLite's own), a stock number an equality, "give
# or take a suffix" a handful of equalities, the last 8 the VINs found among the vehicles
# first (one read of the vehicle table, see ``_vin_last8``). A prefix shorter than
# VIN_PREFIX_MIN would match a large share of the table (the first character is the
# country) and is not used: the list says so.
VIN_PREFIX_MIN = 3
LAST8_MAX = 200  # vehicles sharing the last 8 of their VINs (a handful in practice)
VIN_CHARACTERS = frozenset("ABCDEFGHJKLMNPRSTUVWXYZ0123456789")
SEARCH_HELP = (
    f"VIN: whole, its first {VIN_PREFIX_MIN} or more characters, or its last 8. Stock "
    "number: whole, or give or take a one-letter suffix (PB3626 finds PB3626R)."
)


def search_normalise(term: str) -> str:
    return "".join(term.split()).replace("-", "").upper()


def search_notice(term: str) -> str:
    """What the list should tell the user about ``term`` ("" when it is searched in full)."""
    term = search_normalise(term)
    if term and len(term) < VIN_PREFIX_MIN:
        return (
            f"“{term}” is too short to search VINs by: type at least {VIN_PREFIX_MIN} "
            "characters of a VIN (or its last 8). It was looked up as a stock number only."
        )
    return ""


def stock_variants(term: str) -> list[str]:
    """``term`` as a stock number, give or take a one-letter suffix (the DMS's ``PB3626R``
    is vAuto's ``PB3626``): the term, the term plus each letter, the term without its
    letter."""
    variants = [term]
    if term[-1].isdigit():
        variants += [term + letter for letter in string.ascii_uppercase]
    elif len(term) > 1 and term[-1].isalpha() and term[-2].isdigit():
        variants.append(term[:-1])
    return variants


def _vin_prefix(term: str) -> Q:
    """VINs starting with ``term`` as a range of the VIN index (``term`` <= vin < the next
    prefix): a range on any backend, where LIKE 'term%' needs a collation for it."""
    upper = term[:-1] + chr(ord(term[-1]) + 1)
    return Q(vin__gte=term, vin__lt=upper)


def _vin_last8(term: str) -> Q:
    """VINs ending with ``term``, looked up first among the vehicles, so the list's own
    query finds them by its VIN index: inside the list's OR, the pattern made PostgreSQL
    read the whole list instead of using its indexes. The lookup itself reads the vehicle
    table (no index serves LIKE '%term': ~0.2 s at a million vehicles, as before)."""
    from inventory.models import Vehicle

    vins = Vehicle.objects.filter(vin__endswith=term).values_list("vin", flat=True)
    return Q(vin__in=list(vins[:LAST8_MAX]))


def exact_search(queryset, term: str, *, request=None):
    """VIN / stock number search that uses indexes (see :data:`SEARCH_HELP`); with
    ``request``, a term too short to search VINs by says so on the page."""
    term = search_normalise(term)
    if not term:
        return queryset
    condition = Q(vin=term) | Q(stock_number__in=stock_variants(term))
    vin_like = set(term) <= VIN_CHARACTERS
    if vin_like and VIN_PREFIX_MIN <= len(term) < 17:
        condition |= _vin_prefix(term)
    if vin_like and len(term) == 8:
        condition |= _vin_last8(term)
    notice = search_notice(term)
    if notice and request is not None:
        messages.add_message(request, messages.WARNING, notice, fail_silently=True)
    return queryset.filter(condition)
