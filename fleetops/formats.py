"""django-import-export file formats with FleetOps' spreadsheet-formula escaping.

The library's own escaping only strips a leading ``=``; OWASP lists ``= + - @``,
tab and CR. Exports through the admin use these formats (settings
``IMPORT_EXPORT_FORMATS``), so every CSV/XLSX a clerk downloads is safe to open.
"""

from import_export.formats import base_formats

from fleetops.csvexport import escape_cell


class _SafeExportMixin:
    def _escape_formulae(self, dataset):
        escaped = [[escape_cell(cell) for cell in row] for row in dataset]
        del dataset[:]
        for row in escaped:
            dataset.append(row)


class CSV(_SafeExportMixin, base_formats.CSV):
    pass


FORMATS = [CSV]
