"""Vehicles: presence per source, the raw source rows, exception history, service invoices."""

import csv
import io
from decimal import Decimal

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from fleetops.admin_mixins import ServiceWrittenMixin, counts, local_time
from fleetops.csvexport import StreamedExportMixin
from fleetops.formats import CSV
from fleetops.vin import vin_normalise
from inventory.admin.exceptions import can_reconcile, next_reconciliation
from inventory.admin.filters import (
    SEARCH_HELP,
    MissingInFilter,
    ShortCountPaginator,
    SourcesHeldFilter,
    StoreFilter,
    exact_search,
)
from inventory.feeds.parsing import store_key
from inventory.feeds.values import money_parse, year_parse
from inventory.models import (
    InventoryException,
    InventorySettings,
    ProbableMatch,
    ReconciliationRun,
    Source,
    SourceRecord,
    Vehicle,
    VinAlias,
)
from inventory.resources import VehicleResource
from inventory.selectors import store_aliases
from inventory.services.matches import REASONS

YES, NO = "✔", "—"


def dollars(value: Decimal | None) -> str | None:
    """``$66,800.00``, ``-$500.00``; None stays None (the admin's "-")."""
    if value is None:
        return None
    return f"{'-' if value < 0 else ''}${abs(value):,.2f}"


# The fields FleetOps reads from a source row, as the vehicle page names them.
READ_FIELDS = (
    ("vin", "VIN"), ("stock_number", "Stock number"), ("year", "Year"), ("make", "Make"),
    ("model", "Model"), ("trim", "Trim"), ("category", "Category"), ("cost", "Cost"),
    ("price", "Price"), ("msrp", "MSRP"), ("status", "Status"), ("store", "Store"),
)  # fmt: skip
DELIMITERS = (",", ";", "\t", "|")  # those the parser accepts, the usual first


def _reads_as(record: SourceRecord, field: str, cell: str, aliases) -> bool:
    """Whether ``cell`` (as sent) is what FleetOps read into ``record.field``, read the
    way the parser reads that field."""
    value, cell = getattr(record, field), cell.strip()
    if not cell:
        return False
    if field == "vin":
        if record.vin:
            return vin_normalise(cell) == record.vin
        if record.key.startswith("vin8:"):  # a vAuto VIN-8 row
            return vin_normalise(cell) == record.vin8
        return record.key.startswith("order:") and cell.upper()[:50] == record.key[6:]
    if value in (None, ""):
        return False
    if field == "year":
        return year_parse(cell) == value
    if field in ("cost", "price", "msrp"):
        try:
            return money_parse(cell) == value
        except ValueError:
            return False
    if field == "store" and cell != value:
        return aliases().get(store_key(cell)) == value  # sent as a store alias
    return cell == value


def raw_cells(record: SourceRecord) -> list[tuple[str, str]]:
    """``(field names, cell as sent)`` for each cell of ``record``'s raw row.

    The file's header is not kept, so each cell is named by the field FleetOps read from
    it: the cell that reads as the row's VIN, stock number, year, amounts... (names joined
    when one cell gave two fields, e.g. equal cost and price); a cell FleetOps does not
    read has no name. The row is split with the delimiter under which the most cells read
    as the row's fields (the file's own, as the parser sniffed it)."""
    found: dict[str, str] = {}

    def aliases():
        if "map" not in found:
            found["map"] = store_aliases(record.source)
        return found["map"]

    best: list[tuple[str, str]] = []
    best_named = -1
    for delimiter in DELIMITERS:
        try:
            cells = next(csv.reader(io.StringIO(record.raw_line), delimiter=delimiter), [])
        except csv.Error:
            continue
        named = [
            (" / ".join(label for field, label in READ_FIELDS
                        if _reads_as(record, field, cell, aliases)), cell)
            for cell in cells
        ]  # fmt: skip
        count = sum(bool(names) for names, _ in named)
        if count > best_named:
            best, best_named = named, count
    if record.source == "oem" and record.key.startswith("order:"):
        best = [("Order number" if names == "VIN" else names, cell) for names, cell in best]
    return best


def invoices_for(vin: str) -> list[dict] | None:
    """The vehicle's service invoices from the invoices app; None until that app offers them."""
    try:
        from invoices.selectors import invoices_for_vin
    except ImportError:
        return None
    return list(invoices_for_vin(vin))


@admin.register(Vehicle)
class VehicleAdmin(ServiceWrittenMixin, StreamedExportMixin, admin.ModelAdmin):
    list_display = ("vin", "stock_number", "store", "year", "make", "model", "cdk", "vauto",
                    "lojack", "oem", "cost_usd")  # fmt: skip
    list_filter = (MissingInFilter, SourcesHeldFilter, StoreFilter)
    search_fields = ("vin",)
    search_help_text = SEARCH_HELP
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = ShortCountPaginator
    list_select_related = ()
    ordering = ("vin",)
    resource_classes = [VehicleResource]
    formats = [CSV]  # the one format, formulae escaped (fleetops.formats)
    fieldsets = (
        (None, {"fields": ("vin", "stock_number", "store", "year", "make", "model", "trim",
                           "category", "cost_detail", "price_usd", "msrp_usd",
                           "first_seen_at", "last_seen")}),
        ("Presence per source", {"fields": ("presence",)}),
        ("Raw source rows", {"fields": ("source_rows",)}),
        ("Exceptions", {"fields": ("exception_history", "probable_matches")}),
        ("Service invoices", {"fields": ("service_invoices",)}),
    )  # fmt: skip

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Vehicle._meta.fields] + [
            "presence", "source_rows", "exception_history", "probable_matches",
            "service_invoices", "last_seen", "cost_detail", "price_usd", "msrp_usd",
        ]  # fmt: skip

    @admin.display(description="Cost", ordering="cost")
    def cost_usd(self, obj):
        return dollars(obj.cost)

    @admin.display(description="Cost")
    def cost_detail(self, obj):
        if obj.cost is None:
            return self.get_empty_value_display()
        return format_html('{} <span class="quiet">(CDK dealer cost)</span>', dollars(obj.cost))

    @admin.display(description="Price")
    def price_usd(self, obj):  # a read-only callable shows None as "None": "-" instead
        return dollars(obj.price) or self.get_empty_value_display()

    @admin.display(description="MSRP")
    def msrp_usd(self, obj):
        return dollars(obj.msrp) or self.get_empty_value_display()

    @admin.display(description="Last seen")
    def last_seen(self, obj):
        if obj.combo:
            return "In the current snapshots (see Presence per source)."
        when = local_time(obj.last_seen_at)
        return f"{when}: gone from every source since."

    def get_search_results(self, request, queryset, search_term):
        return exact_search(queryset, search_term, request=request), False

    @admin.display(boolean=True, description="CDK", ordering="in_cdk")
    def cdk(self, obj):
        return obj.in_cdk

    @admin.display(boolean=True, description="vAuto", ordering="in_vauto")
    def vauto(self, obj):
        return obj.in_vauto

    @admin.display(boolean=True, description="LoJack", ordering="in_lojack")
    def lojack(self, obj):
        return obj.in_lojack

    @admin.display(boolean=True, description="OEM", ordering="in_oem")
    def oem(self, obj):
        return obj.in_oem

    @admin.display(description="Presence")
    def presence(self, obj):
        seen = {
            r.source: r
            for r in SourceRecord.objects.for_vin(obj.vin).only("source", "last_seen_at")
        }
        cells = (
            (label, YES if value in seen else NO,
             local_time(seen[value].last_seen_at)
             if value in seen else "not in the current snapshot")
            for value, label in Source.choices
        )  # fmt: skip
        # a row's last_seen_at is when an import last changed it: an import leaves an
        # unchanged row alone, so the date is not that of the source's last import
        return format_html(
            "<table><tr><th>Source</th><th>Present</th><th>Row last changed</th></tr>{}</table>",
            format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", cells),
        )

    @admin.display(description="Rows as sent")
    def source_rows(self, obj):
        """Each source's row cell by cell, under the field FleetOps read from each cell,
        with the import (and line) it came from; the row as sent one click away."""
        rows = list(SourceRecord.objects.for_vin(obj.vin).order_by("source"))
        if not rows:
            return "None: no source has this VIN in its current snapshot."
        return format_html(
            "<table><tr><th>Source</th><th>Store</th><th>Stock</th><th>Import / line</th>"
            '<th>Row</th></tr>{}</table><p class="help">Each cell as the file sent it, under '
            "the field FleetOps read from it (the file’s own header is not kept); a cell "
            "with no name is not read.</p>",
            format_html_join(
                "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                ((r.get_source_display(), r.store, r.stock_number, self._import_line(r),
                  self._raw_row(r)) for r in rows),
            ),
        )  # fmt: skip

    @staticmethod
    def _import_line(record: SourceRecord) -> str:
        if record.feed_import_id is None:  # its run was pruned
            return f"line {record.line_number}"
        url = reverse("admin:inventory_feedimport_change", args=[record.feed_import_id])
        return format_html('<a href="{}">#{} line {}</a>', url, record.feed_import_id,
                           record.line_number)  # fmt: skip

    @staticmethod
    def _raw_row(record: SourceRecord) -> str:
        cells = raw_cells(record)
        return format_html(
            '<table class="raw-row"><tr>{}</tr><tr>{}</tr></table>'
            "<details><summary>As sent</summary><code>{}</code></details>",
            format_html_join("", "<th>{}</th>", ((names,) for names, _ in cells)),
            format_html_join("", "<td>{}</td>", ((cell,) for _, cell in cells)),
            record.raw_line,
        )

    @admin.display(description="History")
    def exception_history(self, obj):
        rows = list(InventoryException.objects.filter(vin=obj.vin).order_by("-opened_at"))
        if not rows:
            return "None."
        return format_html(
            "<table><tr><th>Kind</th><th>Priority</th><th>State</th><th>Opened</th>"
            "<th>Closed</th><th>Reopened</th><th>Note</th></tr>{}</table>",
            format_html_join(
                "", '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>'
                "<td>{}×</td><td>{}</td></tr>",
                ((reverse("admin:inventory_inventoryexception_change", args=[e.pk]),
                  e.get_kind_display(), e.priority, e.get_state_display(),
                  local_time(e.opened_at, "DATE_FORMAT"),
                  local_time(e.closed_at, "DATE_FORMAT") if e.closed_at else "",
                  e.times_reopened, e.note or e.close_reason) for e in rows),
            ),
        )  # fmt: skip

    @admin.display(description="Probable matches")
    def probable_matches(self, obj):
        pairs = ProbableMatch.objects.filter(vehicle_vin=obj.vin) | ProbableMatch.objects.filter(
            listing_vin=obj.vin
        )
        rows = [
            (reverse("admin:inventory_probablematch_changelist") + f"?q={m.vehicle_vin}",
             m.listing_key, m.vehicle_vin, REASONS.get(m.reason, m.reason), m.get_state_display())
            for m in pairs[:20]
        ]  # fmt: skip
        if not rows:
            return "None."
        return format_html(
            "<table><tr><th>vAuto listing</th><th>CDK VIN</th><th>Why</th><th>State</th></tr>"
            "{}</table>",
            format_html_join(
                "", '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td></tr>', rows
            ),
        )

    @admin.display(description="Invoices")
    def service_invoices(self, obj):
        invoices = invoices_for(obj.vin)
        if invoices is None:
            return "Service invoices are not available yet."
        if not invoices:
            return "No service invoices for this VIN."
        return format_html(
            "<table><tr><th>Invoice</th><th>Date</th><th>Total</th></tr>{}</table>",
            format_html_join(
                "", '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td></tr>',
                ((i.get("url") or "#", i.get("invoice_number") or i.get("primary_key"),
                  i.get("invoice_date") or "", i.get("total") or "") for i in invoices),
            ),
        )  # fmt: skip


@admin.register(VinAlias)
class VinAliasAdmin(admin.ModelAdmin):
    list_display = ("source", "from_key", "vin", "created_at")
    search_fields = ("from_key", "vin")


@admin.register(InventorySettings)
class InventorySettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "floorplan_monthly_rate", "oem_at_risk_share",
                    "sla_critical_days", "sla_high_days", "sla_medium_days")  # fmt: skip

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # What changes when: the reconciliation reads the rates and SLAs, pages do not.
        if can_reconcile(request.user):
            now = format_html(
                ', or now with “Reconcile now” on the <a href="{}">exceptions list</a>',
                reverse("admin:inventory_inventoryexception_changelist"),
            )
        else:
            now = ", or sooner when triage staff use “Reconcile now” on the exceptions list"
        self.message_user(
            request,
            format_html(
                "The rates and SLAs take effect at the next reconciliation ({}){}: the "
                "dashboard's money at risk is priced with them, and exceptions opened or "
                "reopened from then on are due by the new SLAs (open ones keep their due "
                "date).",
                next_reconciliation(),
                now,
            ),
            messages.INFO,
        )

    def has_add_permission(self, request):
        return not InventorySettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ServiceWrittenMixin, admin.ModelAdmin):
    superuser_may_delete = True
    list_display = (
        "id", "status", "started_at", "finished_at",
        *counts(ReconciliationRun, "vehicles", "aligned", "oem_not_in_cdk", "not_marketed",
                "ghost_listing", "no_tracking"),
    )  # fmt: skip
    list_filter = ("status",)
    show_full_result_count = False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in ReconciliationRun._meta.fields]
