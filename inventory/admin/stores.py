"""Store aliases: the names the sources give a store, mapped to the store by staff.

Managers (who own the inventory settings) and the admin keep them here, one by one or as
CSV (django-import-export, preview first). The list shows the store names the current
source rows carry that nothing maps yet (OEM dealer codes...), each linking to a new
alias for it.
"""

from django.contrib import admin
from django.urls import reverse
from django.utils.http import urlencode
from import_export.forms import ImportForm

from fleetops.csvexport import StreamedImportExportMixin
from fleetops.formats import CSV
from fleetops.imports import ReadableImportMixin
from fleetops.uploads import upload_size_check
from inventory.models import StoreAlias
from inventory.models.stores import NEXT_IMPORT
from inventory.resources import StoreAliasResource
from inventory.selectors import unmapped_store_names

ABOUT = (
    "Each source names a store its own way: CDK, vAuto and LoJack send the rooftop's name "
    "(Northside Ford), OEM allocation files the OEM's dealer code (C55555). An alias says "
    "which store a name means, for one source or for every source; names are compared "
    "case- and space-insensitively, and a name no alias maps stays as sent. "
)


class AliasImportForm(ImportForm):
    def clean_import_file(self):
        uploaded = self.cleaned_data["import_file"]
        upload_size_check(uploaded)
        return uploaded


@admin.register(StoreAlias)
class StoreAliasAdmin(ReadableImportMixin, StreamedImportExportMixin, admin.ModelAdmin):
    list_display = ("name", "for_source", "store", "created_at")
    list_filter = ("source",)
    search_fields = ("name", "store")
    search_help_text = "Name as sent (a dealer code) or the store it means."
    ordering = ("name", "source")
    show_facets = admin.ShowFacets.NEVER
    fieldsets = ((None, {"fields": ("name", "source", "store"),
                         "description": ABOUT + NEXT_IMPORT}),)  # fmt: skip
    resource_classes = [StoreAliasResource]
    formats = [CSV]
    from_encoding = "utf-8-sig"
    import_form_class = AliasImportForm
    change_list_template = "admin/inventory/storealias/change_list.html"

    @admin.display(description="source", ordering="source")
    def for_source(self, obj):
        return obj.get_source_display() if obj.source else "Every source"

    def changelist_view(self, request, extra_context=None):
        """The list, with what aliases do and the names still unmapped (each linking to
        the add form, prefilled: ``?name=C55555&source=oem``)."""
        add = reverse("admin:inventory_storealias_add")
        unmapped = unmapped_store_names()
        for entry in unmapped:
            sources = entry["sources"]
            query = {"name": entry["name"]}
            if len(sources) == 1:
                query["source"] = sources[0][0]
            if entry["cdk_spelling"]:
                query["store"] = entry["cdk_spelling"]
            entry["add_url"] = f"{add}?{urlencode(query)}"
        context = {
            "about": ABOUT + NEXT_IMPORT,
            "unmapped_stores": unmapped,
            "can_add": self.has_add_permission(request),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)
