"""Triage of inventory exceptions: filters, VIN/stock search, bulk actions, CSV export,
and "Reconcile now" (a reconciliation queued as the API's refresh queues it)."""

from datetime import datetime, time

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django_q.models import Schedule

from fleetops.admin_mixins import local_time, page_action_run, person
from fleetops.csvexport import csv_response
from fleetops.models import AuditEntry
from fleetops.text import counted
from inventory.admin.filters import (
    SEARCH_HELP,
    AgeBucketFilter,
    ConditionHoldsFilter,
    OpenStateFilter,
    ShortCountPaginator,
    SlaBreachedFilter,
    StoreFilter,
    exact_search,
)
from inventory.models import KIND_SHORT_LABELS, InventoryException
from inventory.services import (
    ReconcileBusy,
    exception_acknowledge,
    exception_assign,
    exception_reopen,
    exception_resolve,
    exception_snooze,
)
from inventory.services.exceptions import ALLOWED_FROM, RESOLVE_PERM
from inventory.services.reconcile import QUEUE_PERM, reconciliation_queue

# The daily reconciliation's schedule (inventory/migrations/0003_reconcile_schedule.py).
SCHEDULE_NAME = "inventory: daily reconciliation"


def next_reconciliation() -> str:
    """When the next scheduled reconciliation runs, as staff read it: "2026-12-08 06:00
    America/Chicago" (one query), or the schedule's rule when it has no next run."""
    schedule = Schedule.objects.filter(name=SCHEDULE_NAME).only("next_run").first()
    if schedule is None or schedule.next_run is None:
        return f"daily at 06:00 {settings.TIME_ZONE}"
    return f"{local_time(schedule.next_run)} {settings.TIME_ZONE}"


def can_reconcile(user) -> bool:
    """Who may queue a reconciliation now: what ``POST /api/inventory/refresh`` requires."""
    return user.has_perm(QUEUE_PERM)


def reconcile_context(request) -> dict:
    """What the "Reconcile now" button needs (``_reconcile_now.html``)."""
    allowed = can_reconcile(request.user)
    return {
        "can_reconcile": allowed,
        "next_reconciliation": next_reconciliation() if allowed else "",
    }


# The triage actions offered on an exception's own page, with the service step each runs
# (whose ALLOWED_FROM states decide when it is offered).
PAGE_ACTIONS = {"acknowledge": "acknowledge", "assign_to_me": "assign", "snooze": "snooze",
                "resolve": "resolve", "reopen": "reopen"}  # fmt: skip


class TriageActionForm(ActionForm):
    note = forms.CharField(required=False, label="Note", max_length=2000)
    # read by the snooze action (``snooze_date``), which says what is wrong with it: as a
    # date field here, an unreadable date made the list answer "No action selected."
    snooze_until = forms.CharField(
        required=False, label="Snooze until", widget=forms.DateInput(attrs={"type": "date"})
    )


SNOOZE_DATE_HELP = "Give the date to snooze until as YYYY-MM-DD."


def snooze_date(value: str | None):
    """The date to snooze until as posted (a date picker sends YYYY-MM-DD; without one,
    what was typed), or None when empty; ``ValidationError`` when it is no date."""
    return forms.DateField(required=False).clean(value or None)


EXPORT_HEADER = ["id", "vin", "stock_number", "store", "kind", "priority", "state", "amount",
                 "opened_at", "sla_due_at", "closed_at", "assigned_to", "note"]  # fmt: skip


@admin.register(InventoryException)
class InventoryExceptionAdmin(admin.ModelAdmin):
    list_display = ("vin", "kind_name", "priority_pill", "state", "store", "stock_number",
                    "age", "sla", "assigned_to", "amount_usd")  # fmt: skip
    list_filter = ("kind", "priority", OpenStateFilter, StoreFilter, SlaBreachedFilter,
                   AgeBucketFilter, ConditionHoldsFilter)  # fmt: skip
    search_fields = ("vin",)
    search_help_text = SEARCH_HELP
    list_select_related = ("assigned_to",)
    raw_id_fields = ("vehicle", "assigned_to", "resolved_by", "last_event_run")
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = ShortCountPaginator
    list_per_page = 50
    ordering = ("sla_due_at", "id")
    action_form = TriageActionForm
    actions = ("acknowledge", "assign_to_me", "snooze", "resolve", "reopen", "export_csv")
    readonly_fields = ("history",)
    assigned_to_name = person("assigned_to", "assigned to")
    resolved_by_name = person("resolved_by", "resolved by")
    fieldsets = (
        (None, {"fields": ("vehicle_link", "stock_number", "store", "kind", "priority",
                           "state", "active", "amount_usd")}),
        ("Lifecycle", {"fields": ("opened", "sla_due_at", "closed_at", "close_reason",
                                  "times_reopened", "acknowledged_at", "snoozed_until",
                                  "assigned_to_name", "resolved_by_name", "note")}),
        ("History", {"fields": ("history",)}),
    )  # fmt: skip

    # One action changes at most this many exceptions (the first in the list's order),
    # in set-based batches of ``action_batch``, each batch a service call (its own
    # transaction); past it the user is told how many more were not changed.
    action_limit = 50_000
    action_batch = 5_000

    def get_search_results(self, request, queryset, search_term):
        return exact_search(queryset, search_term, request=request), False

    def get_readonly_fields(self, request, obj=None):
        names = [f.name for f in self.model._meta.fields]
        return [*names, "history", "vehicle_link", "amount_usd", "opened", "assigned_to_name",
                "resolved_by_name"]  # fmt: skip

    @admin.display(description="Opened at")
    def opened(self, obj):
        """When the current open spell began (age and SLA count from it); after a reopen,
        the first open is the History's first row."""
        when = local_time(obj.opened_at)
        if not obj.times_reopened:
            return when
        return (
            f"{when}: reopened ({obj.times_reopened}× in all); the age and SLA count from "
            "here, the first open is in the History"
        )

    @admin.display(description="VIN")
    def vehicle_link(self, obj):
        """The VIN, linked to its vehicle's page (sources, raw rows, other exceptions)."""
        if obj.vehicle_id is None:
            return obj.vin
        url = reverse("admin:inventory_vehicle_change", args=[obj.vehicle_id])
        return format_html('<a href="{}">{}</a> (the vehicle\'s page)', url, obj.vin)

    # ---- triage from the exception's own page ------------------------------------------

    def get_urls(self):
        reconcile = path(
            "reconcile/",
            self.admin_site.admin_view(self.reconcile_view),
            name="inventory_inventoryexception_reconcile",
        )
        triage = path(
            "<path:object_id>/triage/",
            self.admin_site.admin_view(self.triage_view),
            name="inventory_inventoryexception_triage",
        )
        return [reconcile, triage, *super().get_urls()]

    def changelist_view(self, request, extra_context=None):
        context = reconcile_context(request)
        return super().changelist_view(request, extra_context={**context, **(extra_context or {})})

    def reconcile_view(self, request):
        """POST: queue a reconciliation now through the API's own service (same permission,
        same refusal while one is queued or running); back to ``next`` with the outcome."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not can_reconcile(request.user):
            raise PermissionDenied
        try:
            run = reconciliation_queue(user=request.user)
        except ReconcileBusy as exc:
            self.message_user(request, str(exc), messages.WARNING)
        else:
            self.message_user(
                request,
                f"Reconciliation #{run.pk} queued: confirmed matches and corrected feeds show "
                "in these lists and on the dashboard when it finishes (usually within a few "
                "minutes; reload to see them).",
                messages.SUCCESS,
            )
        # the page the button was on (a path); anything else goes to the list: redirect()
        # would read a bare word as a URL name to reverse (a 500 when it names nothing)
        target = request.POST.get("next", "")
        if not target.startswith("/") or not url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            target = reverse("admin:inventory_inventoryexception_changelist")
        return HttpResponseRedirect(target)

    def page_actions(self, request, obj) -> list[tuple[str, str]]:
        """``(name, label)`` of the triage actions this user may run on ``obj`` now."""
        allowed = self.get_actions(request)
        return [
            (name, allowed[name][2])
            for name, step in PAGE_ACTIONS.items()
            if name in allowed and obj.state in ALLOWED_FROM[step]
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="",
                           obj=None):  # fmt: skip
        """Read-only fields, so no Save buttons: the page's triage form changes the row."""
        context.update(
            show_save=False, show_save_and_continue=False,
            triage_actions=self.page_actions(request, obj) if obj else [],
        )  # fmt: skip
        return super().render_change_form(request, context, add, change, form_url, obj)

    def triage_view(self, request, object_id):
        """POST ``action`` (one of :data:`PAGE_ACTIONS`), ``note``, ``snooze_until``: the
        same action as the list's, on this exception; back to its page with the outcome."""
        return page_action_run(
            self, request, object_id, offered=PAGE_ACTIONS,
            applies=lambda obj, name: obj.state in ALLOWED_FROM[PAGE_ACTIONS[name]],
            already=lambda obj: f"This exception is {obj.get_state_display().lower()}: "
            "nothing to do.",
        )  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_resolve_permission(self, request):
        return request.user.has_perm(RESOLVE_PERM)

    def has_export_permission(self, request):
        return request.user.has_perm("inventory.export_inventoryexception")

    @admin.display(description="Kind", ordering="kind")
    def kind_name(self, obj):
        """The kind's short name, its full label as the tooltip: the list has ten columns
        to fit."""
        return format_html(
            '<span title="{}">{}</span>', obj.get_kind_display(), KIND_SHORT_LABELS[obj.kind]
        )

    @admin.display(description="Priority", ordering="priority")
    def priority_pill(self, obj):
        return format_html('<span class="pill {}">{}</span>', obj.priority.lower(), obj.priority)

    @admin.display(description="Amount", ordering="amount")
    def amount_usd(self, obj):
        return f"${obj.amount:,.2f}"

    @admin.display(description="Age (days)", ordering="opened_at")
    def age(self, obj):
        return obj.age_days

    @admin.display(description="SLA due", ordering="sla_due_at")
    def sla(self, obj):
        if not obj.is_open or obj.sla_due_at is None:
            return "—"
        when = local_time(obj.sla_due_at)
        if obj.sla_breached:
            return format_html(
                '<strong class="error">BREACHED</strong> <span class="nowrap">{}</span>', when
            )
        return format_html('<span class="nowrap">{}</span>', when)

    @admin.display(description="History")
    def history(self, obj):
        """Oldest first: the first open, then every audited step (the last 100)."""
        entries = list(
            AuditEntry.objects.filter(
                object_type="inventory.inventoryexception", object_id=str(obj.pk)
            )
            .select_related("actor")
            .order_by("-created_at", "-id")[:100]
        )
        entries.reverse()
        rows = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            ((local_time(e.created_at),
              e.actor or "system", e.action.split(".")[-1], e.note) for e in entries),
        )  # fmt: skip
        return format_html(
            "<table><tr><th>When</th><th>Who</th><th>What</th><th>Note</th></tr>"
            "<tr><td>{}</td><td>system</td><td>opened</td><td></td></tr>{}</table>",
            first_opened(obj, entries), rows,
        )  # fmt: skip

    # ---- actions: each one calls a service and reports counts -------------------------

    def _note(self, request) -> str:
        return (request.POST.get("note") or "").strip()

    def _report(self, request, verb: str, changed: int, asked: int):
        self.message_user(request, f"{verb} {counted(changed, 'exception')}.", messages.SUCCESS)
        if changed < asked:
            self.message_user(
                request,
                f"{asked - changed:,} were not changed: someone else changed them first or "
                "their state does not allow it.",
                messages.WARNING,
            )

    def _run(self, request, queryset, verb, service, **kwargs):
        """``service`` on the selected exceptions, up to :attr:`action_limit` of them in
        batches; the user is told how many changed, and how many were left unchanged."""
        ids = list(queryset.values_list("pk", flat=True)[: self.action_limit + 1])
        beyond = len(ids) > self.action_limit
        ids = ids[: self.action_limit]
        changed = 0
        try:
            for start in range(0, len(ids), self.action_batch):
                batch = ids[start : start + self.action_batch]
                changed += service(exceptions=batch, user=request.user, **kwargs)
        except (PermissionDenied, ValidationError) as exc:
            message = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
            self.message_user(request, message, messages.ERROR)
            if not changed:
                return
            ids = ids[:start]  # the batches before the refusal were changed
        self._report(request, verb, changed, len(ids))
        if beyond:
            rest = queryset.count() - len(ids)
            self.message_user(
                request,
                f"Not changed: {counted(rest, 'more selected exception')}; one action changes "
                f"at most {self.action_limit:,} (the first in the list's order). Run it "
                "again for the rest.",
                messages.WARNING,
            )

    @admin.action(description="Acknowledge", permissions=["change"])
    def acknowledge(self, request, queryset):
        self._run(
            request, queryset, "Acknowledged", exception_acknowledge, note=self._note(request)
        )

    @admin.action(description="Assign to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        self._run(request, queryset, "Assigned", exception_assign, note=self._note(request))

    @admin.action(description="Snooze until the date given", permissions=["change"])
    def snooze(self, request, queryset):
        try:
            until = snooze_date(request.POST.get("snooze_until"))
        except ValidationError:
            self.message_user(request, SNOOZE_DATE_HELP, messages.ERROR)
            return
        if until is None:
            self.message_user(request, "Give a date to snooze until.", messages.ERROR)
            return
        until_dt = timezone.make_aware(datetime.combine(until, time.min))
        self._run(request, queryset, "Snoozed", exception_snooze, until=until_dt,
                  note=self._note(request))  # fmt: skip

    @admin.action(description="Resolve with the note given", permissions=["resolve"])
    def resolve(self, request, queryset):
        self._run(request, queryset, "Resolved", exception_resolve, note=self._note(request))

    @admin.action(description="Reopen", permissions=["resolve"])
    def reopen(self, request, queryset):
        self._run(request, queryset, "Reopened", exception_reopen, note=self._note(request))

    @admin.action(description="Export selected to CSV", permissions=["export"])
    def export_csv(self, request, queryset):
        rows = queryset.select_related("assigned_to").order_by("id").iterator(chunk_size=2000)
        return csv_response(
            "inventory-exceptions.csv",
            EXPORT_HEADER,
            (
                [e.pk, e.vin, e.stock_number, e.store, e.kind, e.priority, e.state, e.amount,
                 e.opened_at.isoformat(), e.sla_due_at.isoformat() if e.sla_due_at else "",
                 e.closed_at.isoformat() if e.closed_at else "",
                 e.assigned_to.get_username() if e.assigned_to else "", e.note]
                for e in rows
            ),
        )  # fmt: skip


def first_opened(obj: InventoryException, entries: list[AuditEntry]) -> str:
    """When ``obj`` first opened, from its audit trail (``entries``, oldest first): a reopen
    (by hand or by the reconciliation) replaces ``opened_at``, and its audit entry keeps the
    one it replaced (``data["opened_at"]``), so the first reopen's is the first open. A
    first reopen that recorded none (the reconciliation's, before it kept it) leaves a
    bound: before the first step audited."""
    reopens = [e for e in entries if e.action.split(".")[-1] in ("reopen", "reopened")]
    if not reopens:
        return local_time(obj.opened_at)
    data = reopens[0].data if isinstance(reopens[0].data, dict) else {}
    if data.get("opened_at"):
        return local_time(parse_datetime(data["opened_at"]))
    return f"before {local_time(entries[0].created_at)}"
