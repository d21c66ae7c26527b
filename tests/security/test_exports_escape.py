"""Every admin export writes FleetOps' CSV, whose cells cannot start a spreadsheet formula."""

from django.contrib import admin
from import_export.admin import ExportMixin

from fleetops.formats import FORMATS


def test_every_admin_that_exports_offers_only_the_escaping_formats():
    exporting = {
        model._meta.label: model_admin
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, ExportMixin)
    }
    assert exporting  # the walk found the exports (vehicles, line items, sales tables...)
    for label, model_admin in exporting.items():
        offered = model_admin.get_export_formats()
        assert offered and all(issubclass(f, tuple(FORMATS)) for f in offered), (label, offered)
