"""Feed imports and their issues, source rows, and the clerks' upload.

The upload is django-import-export's import flow on the feed imports list: choose the
source (the import resource), optionally a store (one FleetOps knows, or ticked as new),
and the CSV; the dry run previews every row with its problems (file line and reason) and
what confirming would remove from and add to the current snapshot; confirming (with the
clerk's acknowledgement when a large share would leave) queues the whole file for
``feed_import`` in a django-q2 task and opens the run, which shows its progress.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST
from import_export.admin import ImportMixin
from import_export.forms import ConfirmImportForm, ImportForm

from fleetops.admin_mixins import ServiceWrittenMixin, counts, person
from fleetops.paginators import EstimatedCountPaginator
from fleetops.text import counted
from fleetops.uploads import upload_size_check
from inventory.admin.issues import ISSUES_OF
from inventory.feeds.parsing import FeedRejected, feed_parse, store_key
from inventory.models import FeedImport, FeedUpload, SourceRecord, StoreAlias
from inventory.resources import ACCEPTED_COLUMNS, FEED_RESOURCES, PREVIEW_ROWS, FeedCSV
from inventory.selectors import store_aliases, store_canonical
from inventory.services.feeds import StoreNameInvalid, store_checked
from inventory.services.uploads import (
    SnapshotChange,
    UploadAlreadyQueued,
    change_dumps,
    change_loads,
    feed_upload_queue,
    snapshot_change,
    upload_stores,
    upload_tmp_sweep,
)


class StoreInput(forms.TextInput):
    """A text input suggesting the known stores (an HTML ``<datalist>``): pick one, or
    type a new store's name (which the form then asks to confirm)."""

    def __init__(self, attrs=None, stores=()):
        super().__init__(attrs)
        self.stores = list(stores)

    def render(self, name, value, attrs=None, renderer=None):
        attrs = dict(attrs or {})
        list_id = f"{attrs.get('id') or f'id_{name}'}_list"
        attrs["list"] = list_id
        return format_html(
            '{}<datalist id="{}">{}</datalist>',
            super().render(name, value, attrs, renderer), list_id,
            format_html_join("", '<option value="{}"></option>', ((s,) for s in self.stores)),
        )  # fmt: skip


class FeedImportForm(ImportForm):
    """import-export's form with the source as its resource choice, a store, and checks.

    A file that cannot be this source's snapshot (not CSV, no VIN column, another
    source's columns, no usable row) is refused here with the parser's reason: nothing
    is stored, not even the temporary copy. The store is one FleetOps knows (the current
    CDK snapshot's stores and the store aliases' stores, offered as suggestions, taken in
    their known spelling), or a new one the clerk ticks as new; a typo never quietly
    becomes a store. A readable file's effect on the current snapshot is counted for the
    preview (``change``).
    """

    store = forms.CharField(
        max_length=60, required=False,
        widget=StoreInput(attrs={"placeholder": "Empty: the whole group", "size": 30}),
        help_text="Empty: the whole group's snapshot is replaced. A store (choose from the "
        "list): only that store's part is replaced; rows with an empty store cell, or naming "
        "it by a store alias, are its rows, and rows naming another store are not imported.",
    )  # fmt: skip
    new_store = forms.BooleanField(
        required=False, label="Add as a new store",
        help_text="Tick only for a store FleetOps does not know yet (not in the list): its "
        "vehicles will show as a new store on the dashboard.",
    )  # fmt: skip
    field_order = ["resource", "store", "new_store", "import_file", "format"]

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.resource_classes = resources
        self.parsed_feed = None
        self.change: SnapshotChange | None = None
        self.known_stores = upload_stores()
        self.fields["store"].widget.stores = self.known_stores
        self.fields["resource"].label = "Source"
        self.fields["resource"].required = True
        self.fields["resource"].choices = [("", "---"), *self.fields["resource"].choices]
        self.fields["import_file"].label = "Snapshot (CSV)"
        self.fields["import_file"].help_text = (
            "The source's full export as CSV: comma, semicolon, tab or pipe separated; UTF-8 "
            "(with or without BOM) or Windows-1252; LF or CRLF line ends. Column names are "
            "matched ignoring case, spaces and punctuation: the names each source accepts "
            "are listed above."
        )

    def clean_import_file(self):
        uploaded = self.cleaned_data["import_file"]
        upload_size_check(uploaded)
        return uploaded

    def clean_store(self):
        """Stripped; a known store in its known spelling (``south`` is ``South``)."""
        try:
            store = store_checked(self.cleaned_data.get("store", ""))
        except StoreNameInvalid as exc:
            raise ValidationError(str(exc)) from None
        return store_canonical(store)

    def _store_refusal(self, store: str, new: bool) -> str | None:
        """Why ``store`` cannot be taken as it is, or None."""
        if not store or store in self.known_stores:
            return None
        aliases = {store_key(n): s for n, s in StoreAlias.objects.values_list("name", "store")}
        if (aliased := aliases.get(store_key(store))) is not None:
            return f"“{store}” is a store alias of {aliased}, not a store: choose {aliased}."
        if new:
            return None
        return (
            f"“{store}” is not a store FleetOps knows: tick “Add as a new store” to add it "
            "as a new store, or choose a store from the list."
        )

    def clean(self):
        cleaned = super().clean()
        store = cleaned.get("store", "")
        if (refusal := self._store_refusal(store, cleaned.get("new_store", False))) is not None:
            self.add_error("store", refusal)
            return cleaned
        uploaded, index = cleaned.get("import_file"), cleaned.get("resource")
        if uploaded is None or index in (None, "") or "store" not in cleaned:
            return cleaned
        source = self.resource_classes[int(index)].source
        uploaded.seek(0)
        data = b"".join(uploaded.chunks())
        uploaded.seek(0)
        stores = store_aliases(source)
        try:
            self.parsed_feed = feed_parse(source, data, store=store, stores=stores)
        except FeedRejected as exc:
            self.add_error("import_file", f"Rejected, nothing imported: {exc}")
            return cleaned
        self.change = snapshot_change(
            source=source, store=store, keys=(record[0] for record in self.parsed_feed.records),
            stores=stores,
        )  # fmt: skip
        return cleaned


class FeedConfirmImportForm(ConfirmImportForm):
    """The confirm step: the previewed file, its store, the preview's figures (signed with
    the file's name, so they cannot be edited or reused for another file) and, when the
    file would remove a large share of the snapshot, the clerk's acknowledgement."""

    store = forms.CharField(max_length=60, required=False, widget=forms.HiddenInput())
    change = forms.CharField(required=False, widget=forms.HiddenInput())
    removal_ok = forms.BooleanField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        signed = self.data.get("change") if self.is_bound else self.initial.get("change")
        self.signed_for, self.snapshot_change = change_loads(signed or "")
        if self.snapshot_change and self.snapshot_change.needs_acknowledgement:
            self.fields["removal_ok"].label = self.snapshot_change.acknowledgement()
            self.fields["removal_ok"].label_suffix = ""
        else:
            del self.fields["removal_ok"]

    def clean(self):
        cleaned = super().clean()
        change = self.snapshot_change
        previewed = (cleaned.get("import_file_name"), cleaned.get("resource") or "0",
                     cleaned.get("store") or "")  # fmt: skip
        if change is None or self.signed_for != previewed:
            raise ValidationError(
                "This confirmation does not match a file previewed in the last day: upload "
                "the file again."
            )
        if change.needs_acknowledgement and not cleaned.get("removal_ok"):
            self.add_error(
                "removal_ok",
                f"Tick to confirm: {counted(change.removed, change.noun)} will leave "
                f"{change.snapshot}.",
            )
        return cleaned


@admin.register(FeedImport)
class FeedImportAdmin(ServiceWrittenMixin, ImportMixin, admin.ModelAdmin):
    """The import runs (written by ``feed_import``); clerks upload through its Import page."""

    list_display = (
        "id", "source", "store", "filename", "status_label", "progress", "started_at",
        *counts(FeedImport, "rows_read", "vehicles", "invalid_rows", "duplicates"),
        "created_by",
    )  # fmt: skip
    list_filter = ("source", "status")
    list_select_related = ("created_by",)
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    readonly_fields = ("issues_table",)
    change_form_template = "admin/inventory/feedimport/change_form.html"

    # The clerks' upload: import-export's import page and confirm step.
    resource_classes = FEED_RESOURCES
    import_formats = [FeedCSV]
    import_form_class = FeedImportForm
    confirm_form_class = FeedConfirmImportForm
    import_template_name = "admin/inventory/feedimport/import.html"
    import_error_display = ("message",)
    PREVIEW_ROWS = PREVIEW_ROWS
    PREVIEW_PROBLEMS = 500

    SHOWN_AS = {"status": "status_label", "created_by": "created_by_name"}
    created_by_name = person("created_by", "created by")

    def get_readonly_fields(self, request, obj=None):
        """Every field, the status as pages say it (``Queued`` until a worker starts the
        run), the user by name (``fleetops.admin_mixins.person``)."""
        names = [f.name for f in FeedImport._meta.fields]
        return [*(self.SHOWN_AS.get(n, n) for n in names), "issues_table"]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    @admin.display(description="Status", ordering="status")
    def status_label(self, obj):
        return obj.status_label

    def get_import_resource_kwargs(self, request, **kwargs):
        form = kwargs.get("form")
        feed = getattr(form, "parsed_feed", None)
        if feed is None:
            return {}
        return {"store": form.cleaned_data.get("store", ""), "feed": feed}

    def get_confirm_form_initial(self, request, import_form):
        initial = super().get_confirm_form_initial(request, import_form)
        if import_form is not None:
            initial["store"] = import_form.cleaned_data.get("store", "")
            if import_form.change is not None:
                initial["change"] = change_dumps(
                    import_form.change, file=initial["import_file_name"],
                    resource=str(initial.get("resource") or "0"),
                )  # fmt: skip
        return initial

    def write_to_tmp_storage(self, import_file, input_format):
        """As import-export does, but joining the chunks once (it appends bytes per chunk)."""
        tmp_storage = self.get_tmp_storage_class()(
            encoding=None, read_mode=input_format.get_read_mode(),
            **self.get_tmp_storage_class_kwargs(),
        )  # fmt: skip
        import_file.seek(0)
        tmp_storage.save(b"".join(import_file.chunks()))
        return tmp_storage

    def get_import_context_data(self, **kwargs):
        return {
            "preview_rows": self.PREVIEW_ROWS,
            "preview_rows_slice": f":{self.PREVIEW_ROWS}",
            "preview_problems": self.PREVIEW_PROBLEMS,
            "preview_problems_slice": f":{self.PREVIEW_PROBLEMS}",
        }

    def import_action(self, request, **kwargs):
        """import-export's import page; problem rows do not block the confirm step.

        import-export offers "Confirm" only when no row failed validation; a feed's bad
        rows are reported and kept as issues while the rest is imported, so the confirm
        form is offered whenever the file itself was readable (no base or row errors).
        """
        if request.method == "POST" and self.has_import_permission(request):
            upload_tmp_sweep()
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        if "fields_list" in context:  # the columns each source's file may carry
            context["fields_list"] = [
                (r.get_display_name(), ACCEPTED_COLUMNS[r.source])
                for r in self.get_import_resource_classes(request)
            ]
        result = context.get("result")
        if (
            result is not None
            and "confirm_form" not in context
            and not result.has_errors()
            and context["form"].is_valid()
        ):
            context["confirm_form"] = self.create_confirm_form(request, import_form=context["form"])
        return response

    @method_decorator(require_POST)
    def process_import(self, request, **kwargs):
        """The confirm step: instead of saving row by row, queue ``feed_import`` on the file."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        resource_classes = self.get_import_resource_classes(request)
        if confirm_form.is_valid():
            index = confirm_form.cleaned_data.get("resource") or "0"
            tmp_storage = self.get_tmp_storage_class()(
                name=confirm_form.cleaned_data["import_file_name"], encoding=None,
                read_mode=FeedCSV().get_read_mode(), **self.get_tmp_storage_class_kwargs(),
            )  # fmt: skip
            try:
                source = resource_classes[int(index)].source
                data = tmp_storage.read()
            except (ValueError, IndexError, OSError):
                self.message_user(
                    request, "That upload is gone or invalid: upload the file again.",
                    messages.ERROR,
                )  # fmt: skip
                return HttpResponseRedirect(reverse("admin:inventory_feedimport_import"))
            try:
                upload = feed_upload_queue(
                    source=source, data=data, user=request.user,
                    filename=confirm_form.cleaned_data["original_file_name"],
                    store=confirm_form.cleaned_data.get("store", ""),
                    preview=confirm_form.snapshot_change.as_dict(),
                    preview_file=confirm_form.cleaned_data["import_file_name"],
                )  # fmt: skip
            except UploadAlreadyQueued as exc:  # a double click: the first confirm won
                self.message_user(request, str(exc), messages.WARNING)
                run_pk = exc.upload.feed_import_id
                return HttpResponseRedirect(
                    reverse("admin:inventory_feedimport_change", args=[run_pk])
                    if run_pk
                    else reverse("admin:inventory_feedimport_import")
                )
            tmp_storage.remove()
            run = upload.feed_import
            self.message_user(
                request,
                f"Import #{run.pk} of {upload.get_source_display()} queued: this page shows "
                "its progress.",
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:inventory_feedimport_change", args=[run.pk]))
        context = self.admin_site.each_context(request)
        context.update({"title": "Import", "confirm_form": confirm_form,
                        "opts": self.model._meta, "errors": confirm_form.errors,
                        "media": self.media + confirm_form.media})  # fmt: skip
        if (result := self._preview_again(request, confirm_form)) is not None:
            context.update(self.get_import_context_data(), result=result,
                           import_error_display=self.import_error_display)  # fmt: skip
        return TemplateResponse(request, [self.import_template_name], context)

    def _preview_again(self, request, confirm_form):
        """The preview of the file a confirm was refused for (the acknowledgement not
        ticked), so the page still shows what "Confirm imports the rows below" means, the
        error beside the box; None when the confirmation itself is not the previewed
        file's (upload again) or the file is gone."""
        if confirm_form.non_field_errors() or confirm_form.snapshot_change is None:
            return None
        cleaned = confirm_form.cleaned_data
        try:
            resource_class = self.get_import_resource_classes(request)[
                int(cleaned.get("resource") or "0")
            ]
            data = self.get_tmp_storage_class()(
                name=cleaned["import_file_name"], encoding=None,
                read_mode=FeedCSV().get_read_mode(), **self.get_tmp_storage_class_kwargs(),
            ).read()  # fmt: skip
        except (KeyError, ValueError, IndexError, OSError):
            return None
        resource = resource_class(store=cleaned.get("store", ""))
        return resource.import_data(
            FeedCSV().create_dataset(data), dry_run=True, raise_errors=False,
            file_name=cleaned.get("original_file_name"), user=request.user,
        )  # fmt: skip

    @admin.display(description="Invalid and duplicate rows (first 200)")
    def issues_table(self, obj):
        issues = list(obj.issues.all()[:200])
        if not issues:
            return "None."
        total = obj.issues.count() if len(issues) == 200 else len(issues)
        url = f"{reverse('admin:inventory_feedissue_changelist')}?{ISSUES_OF}={obj.pk}"
        shown = f"first 200 of {total:,} shown" if total > 200 else "all shown"
        return format_html(
            '<p><a href="{}">All {} issues of this import</a> (their list, to filter and export as '
            "CSV; {} here)</p><table><tr><th>Line</th>"
            "<th>Value</th><th>Reason</th><th>Message</th></tr>{}</table>",
            url, f"{total:,}", shown,
            format_html_join(
                "", "<tr><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                ((i.line_number, i.raw_value, i.reason, i.message) for i in issues),
            ),
        )  # fmt: skip


@admin.register(SourceRecord)
class SourceRecordAdmin(ServiceWrittenMixin, admin.ModelAdmin):
    """The current snapshots' rows. Not deletable by hand: only an import's removal queues
    the VIN for the next reconciliation."""

    list_display = ("source", "key", "store", "stock_number", "year", "make", "model", "cost",
                    "price", "line_number", "feed_import_id")  # fmt: skip
    list_filter = ("source",)
    search_fields = ("=vin", "=key", "=stock_number")
    # Sorted by the key alone, its index's order: any other column sorted the whole
    # snapshot table (1.5M rows at 1M vehicles: 0.7-2 s a page); filter by source instead.
    sortable_by = ("key",)
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    raw_id_fields = ("feed_import",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("raw_line")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in SourceRecord._meta.fields]


@admin.register(FeedUpload)
class FeedUploadAdmin(admin.ModelAdmin):
    """The files clerks confirmed (kept with their run); uploading is the feed imports' Import."""

    list_display = ("id", "source", "store", "state", "created_by", "created_at", "run_status")
    list_select_related = ("created_by", "feed_import")
    list_filter = ("source", "state")
    raw_id_fields = ("feed_import",)
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    fields = ("source", "store", "file", "state", "run_status", "created_by_name", "created_at")
    readonly_fields = fields
    created_by_name = person("created_by", "uploaded by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Import")
    def run_status(self, obj):
        run = obj.feed_import
        if run is None:
            return "Not started"
        url = reverse("admin:inventory_feedimport_change", args=[run.pk])
        return format_html(
            '<a href="{}">#{}</a> {} — {}% · {} rows, {} vehicles, {} invalid, {} duplicates',
            url, run.pk, run.status_label, run.progress, run.rows_read, run.vehicles,
            run.invalid_rows, run.duplicates,
        )  # fmt: skip
