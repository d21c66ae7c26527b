"""Every admin export writes FleetOps' CSV, whose cells cannot start a spreadsheet formula,
and streams it (``fleetops.csvexport.StreamedExportMixin``: a million rows are not built in
memory inside one request)."""

from django.contrib import admin
from import_export.admin import ExportMixin

from fleetops.csvexport import StreamedExportMixin
from fleetops.formats import FORMATS


def _exporting_admins():
    return {
        model._meta.label: model_admin
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ExportMixin)
    }


def test_every_admin_that_exports_offers_only_the_escaping_formats():
    exporting = _exporting_admins()
    assert exporting  # the walk found the exports (vehicles, line items, sales tables...)
    for label, model_admin in exporting.items():
        offered = model_admin.get_export_formats()
        assert offered and all(issubclass(f, tuple(FORMATS)) for f in offered), (label, offered)


def test_every_admin_that_exports_streams_its_file():
    exporting = _exporting_admins()
    expected = {"inventory.Vehicle", "inventory.StoreAlias", "invoices.RawInvoice",
                "invoices.LineItem", "invoices.InvoiceIssue", "sales.Customer"}  # fmt: skip
    assert expected <= exporting.keys(), sorted(exporting)
    building = sorted(
        label
        for label, model_admin in exporting.items()
        if not isinstance(model_admin, StreamedExportMixin)
    )
    assert not building, f"export built in memory (use StreamedExportMixin): {building}"
