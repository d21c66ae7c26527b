"""Probable matches: a vAuto listing that is probably a CDK vehicle under another VIN.

Staff decide a pair from the list (bulk actions) or from its own page (Confirm / Dismiss
buttons running the same actions); nothing on a pair is edited by hand. Neither decision
can be undone here (a confirm re-keys the vAuto row and keeps a VIN alias for every later
import; a dismissed pair is never suggested again), so both first show the pairs and what
deciding does, as Django's "delete selected" does: only the POST of that page, with its
confirmation field, decides. A confirmed pair changes the vehicles' exceptions at the
next reconciliation, which the message says (with "Reconcile now" for those who may
queue one).
"""

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from fleetops.admin_mixins import page_action_run, person
from fleetops.text import counted
from inventory.admin.exceptions import can_reconcile, next_reconciliation, reconcile_context
from inventory.models import MatchState, ProbableMatch, Vehicle
from inventory.services import match_confirm, match_dismiss
from inventory.services.matches import REASONS

DECISIONS = ("confirm", "dismiss")
# The field the confirmation page posts (Django's delete_selected posts the same one):
# without it, an action only shows that page.
CONFIRMED_FIELD, CONFIRMED_VALUE = "post", "yes"
# What each decision does, as the confirmation page says it.
EFFECTS = {
    "confirm": (
        "Confirming records that each vAuto listing is the CDK vehicle beside it: the vAuto "
        "row is re-keyed to the CDK VIN now, and a VIN alias maps the listing's key to that "
        "VIN on every later vAuto import. The vehicles' exceptions change at the next "
        "reconciliation. This cannot be undone from the pair."
    ),
    "dismiss": (
        "Dismissing records that each listing and vehicle are different vehicles: the pair "
        "is never suggested again. This cannot be undone from the pair."
    ),
}
# pairs listed by name on the confirmation page (the count covers the rest)
CONFIRM_LIST_LIMIT = 100


class ReasonFilter(admin.SimpleListFilter):
    """Why the pair is suggested, by its readable name (same ``reason`` parameter)."""

    title = "why"
    parameter_name = "reason"

    def lookups(self, request, model_admin):
        return list(REASONS.items())

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(reason=value) if value in REASONS else queryset


@admin.register(ProbableMatch)
class ProbableMatchAdmin(admin.ModelAdmin):
    list_display = ("listing_key", "vehicle_vin", "why", "stock_number", "store", "state",
                    "created_at")  # fmt: skip
    list_filter = ("state", ReasonFilter)
    search_fields = ("listing_vin", "vehicle_vin")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    actions = DECISIONS
    # one action decides at most this many pairs (each one a service call)
    decide_limit = 500
    fieldsets = (
        ("The pair", {"fields": ("listing", "vehicle", "why", "stock_number", "store")}),
        ("Decision", {"fields": ("state", "created_at", "decided_at", "decided_by_name")}),
    )
    readonly_fields = (*(f.name for f in ProbableMatch._meta.fields), "listing", "vehicle",
                       "why", "decided_by_name")  # fmt: skip
    decided_by_name = person("decided_by", "decided by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        """The change permission runs Confirm / Dismiss (the actions, here and on the
        pair's page); a pair itself is never edited, so its page has no Save."""
        return obj is None and super().has_change_permission(request)

    @admin.display(description="Why", ordering="reason")
    def why(self, obj):
        return REASONS.get(obj.reason, obj.reason)

    @admin.display(description="Listing in vAuto")
    def listing(self, obj):
        if not obj.listing_vin:
            return (
                f"{obj.listing_key}: a VIN-8 listing (vAuto sent the last 8 of the VIN and "
                "the stock number only), no vehicle page of its own"
            )
        return _vehicle_link(obj.listing_vin, "when suggested: in vAuto, not in CDK")

    @admin.display(description="CDK vehicle")
    def vehicle(self, obj):
        return _vehicle_link(obj.vehicle_vin, "when suggested: in CDK, not in vAuto")

    # ---- deciding from the pair's own page ---------------------------------------------

    def get_urls(self):
        decide = path(
            "<path:object_id>/decide/",
            self.admin_site.admin_view(self.decide_view),
            name="inventory_probablematch_decide",
        )
        return [decide, *super().get_urls()]

    def page_actions(self, request, obj) -> list[tuple[str, str]]:
        """``(name, label)`` of the decisions this user may take on ``obj`` now."""
        if obj.state != MatchState.SUGGESTED:
            return []
        allowed = self.get_actions(request)
        return [(name, allowed[name][2]) for name in DECISIONS if name in allowed]

    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):  # fmt: skip
        context.update(
            decide_actions=self.page_actions(request, obj) if obj else [],
            **reconcile_context(request),
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def changelist_view(self, request, extra_context=None):
        context = reconcile_context(request)
        return super().changelist_view(request, extra_context={**context, **(extra_context or {})})

    def decide_view(self, request, object_id):
        """POST ``action`` (confirm or dismiss): first the confirmation page for this pair;
        its POST (with the confirmation field) runs the list's action on the pair, back to
        its page with the outcome."""
        if request.method == "POST" and not _confirmed(request):
            obj = self.get_object(request, object_id)
            if obj is None:
                raise Http404("No such probable match.")
            name = request.POST.get("action", "")
            if name not in DECISIONS or name not in self.get_actions(request):
                raise PermissionDenied
            if obj.state == MatchState.SUGGESTED:
                return self._confirmation(
                    request, name, [obj],
                    back=reverse("admin:inventory_probablematch_change", args=[obj.pk]),
                    form_url=reverse("admin:inventory_probablematch_decide", args=[obj.pk]),
                )  # fmt: skip
        return page_action_run(
            self, request, object_id, offered=DECISIONS,
            applies=lambda obj, name: obj.state == MatchState.SUGGESTED,
            already=lambda obj: f"This pair was {obj.get_state_display().lower()} already: "
            "nothing to do.",
        )  # fmt: skip

    # ---- the confirmation step ---------------------------------------------------------

    def _confirmation(self, request, name, pairs, *, back, form_url="", selected=(),
                      select_across=False, total=None):  # fmt: skip
        """The page that asks before ``name`` decides ``pairs`` (the suggested ones among
        those selected, at most :data:`CONFIRM_LIST_LIMIT` listed): each pair, what the
        decision does, Confirm (posting the selection back with the confirmation field)
        and Cancel (back to ``back``)."""
        label = self.get_actions(request)[name][2]
        total = len(pairs) if total is None else total
        pairs_named = counted(total, "probable match", "probable matches")
        context = {
            **self.admin_site.each_context(request),
            "title": f"{label.split(':')[0]} {pairs_named}?",
            "opts": self.opts,
            "action_name": name,
            "action_label": label,
            "effect": EFFECTS[name],
            "pairs": [
                {
                    "listing": p.listing_key,
                    "vehicle_vin": p.vehicle_vin,
                    "why": REASONS.get(p.reason, p.reason),
                    "store": p.store,
                    "url": reverse("admin:inventory_probablematch_change", args=[p.pk]),
                }
                for p in pairs[:CONFIRM_LIST_LIMIT]
            ],
            "total": total,
            "more": max(total - CONFIRM_LIST_LIMIT, 0),
            "selected": selected,
            "select_across": select_across,
            "form_url": form_url,
            "back": back,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "confirmed_field": CONFIRMED_FIELD,
            "confirmed_value": CONFIRMED_VALUE,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(
            request, "admin/inventory/probablematch/decide_confirmation.html", context
        )

    def _ask_first(self, request, queryset, name):
        """The confirmation page for the list's action ``name`` on ``queryset``, or None
        when the request is that page's POST (decide now), or nothing selected is still
        suggested (the action then says so)."""
        if _confirmed(request):
            return None
        suggested = queryset.filter(state=MatchState.SUGGESTED).order_by("pk")
        count = suggested.count()
        if not count:
            return None
        page = self._confirmation(
            request, name, list(suggested[:CONFIRM_LIST_LIMIT]), back=request.get_full_path(),
            total=min(count, self.decide_limit),
            selected=request.POST.getlist(helpers.ACTION_CHECKBOX_NAME),
            select_across=request.POST.get("select_across") == "1",
        )  # fmt: skip
        page.context_data["beyond"] = max(count - self.decide_limit, 0)
        page.context_data["already"] = queryset.exclude(state=MatchState.SUGGESTED).count()
        return page

    # ---- the actions -------------------------------------------------------------------

    def _decide(self, request, queryset, service, verb, effect=""):
        """``service`` on the selected suggested pairs (at most :attr:`decide_limit`); the
        user is told how many were decided and why any others were not."""
        suggested = queryset.filter(state=MatchState.SUGGESTED)
        already = queryset.exclude(state=MatchState.SUGGESTED).count()
        pending = list(suggested[: self.decide_limit + 1])
        beyond = len(pending) > self.decide_limit
        pending = pending[: self.decide_limit]
        done = sum(service(match=m, user=request.user) for m in pending)
        self.message_user(
            request, f"{verb} {counted(done, 'pair')}.{effect if done else ''}", messages.SUCCESS
        )
        if done < len(pending):
            self.message_user(
                request, f"{len(pending) - done:,} were decided by someone else first.",
                messages.WARNING,
            )  # fmt: skip
        if beyond:
            self.message_user(
                request,
                f"Not decided: {counted(suggested.count(), 'more selected pair')}; one action "
                f"decides at most {self.decide_limit:,}. Run it again for the rest.",
                messages.WARNING,
            )
        if already:
            self.message_user(
                request, f"Decided already: {counted(already, 'selected pair')}, left as it was.",
                messages.INFO,
            )  # fmt: skip

    @admin.action(description="Confirm: the same vehicle", permissions=["change"])
    def confirm(self, request, queryset):
        if (page := self._ask_first(request, queryset, "confirm")) is not None:
            return page
        now = ", or now with “Reconcile now”" if can_reconcile(request.user) else ""
        effect = (
            f" This takes effect at the next reconciliation ({next_reconciliation()}){now}: "
            "until then the vehicles' exceptions stay as they are."
        )
        self._decide(request, queryset, match_confirm, "Confirmed", effect)

    @admin.action(description="Dismiss: different vehicles", permissions=["change"])
    def dismiss(self, request, queryset):
        if (page := self._ask_first(request, queryset, "dismiss")) is not None:
            return page
        self._decide(request, queryset, match_dismiss, "Dismissed")


def _confirmed(request) -> bool:
    """The POST of the confirmation page (its confirmation field set)."""
    return request.POST.get(CONFIRMED_FIELD) == CONFIRMED_VALUE


def _vehicle_link(vin: str, where: str):
    """``vin`` linked to its vehicle's page (one lookup by the VIN index)."""
    pk = Vehicle.objects.filter(vin=vin).values_list("pk", flat=True).first()
    if pk is None:
        return f"{vin} (no vehicle with this VIN)"
    url = reverse("admin:inventory_vehicle_change", args=[pk])
    return format_html('<a href="{}">{}</a> (the vehicle\'s page; {})', url, vin, where)
