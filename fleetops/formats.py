"""django-import-export file formats with FleetOps' spreadsheet-formula escaping.

The library's own escaping only strips a leading ``=``; OWASP lists ``= + - @``,
tab and CR. Every admin that exports names these formats as its only ones
(``formats = [CSV]``; ``tests/security/test_exports_escape.py`` walks the admin site for
one that does not), so every CSV a clerk downloads is safe to open; their imports
read that quote off again (``unescape_cell``), so an export re-imports unchanged.
"""

from import_export.formats import base_formats

from fleetops.csvexport import escape_cell, unescape_cell


class _SafeExportMixin:
    def _escape_formulae(self, dataset):
        escaped = [[escape_cell(cell) for cell in row] for row in dataset]
        del dataset[:]
        for row in escaped:
            dataset.append(row)


class CSV(_SafeExportMixin, base_formats.CSV):
    def create_dataset(self, in_stream, **kwargs):
        dataset = super().create_dataset(in_stream, **kwargs)
        unescaped = [[unescape_cell(cell) for cell in row] for row in dataset]
        del dataset[:]
        for row in unescaped:
            dataset.append(row)
        return dataset


FORMATS = [CSV]
