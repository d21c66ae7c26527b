"""django-import-export file formats with FleetOps' spreadsheet-formula escaping.

The library's own escaping only strips a leading ``=``; OWASP lists ``= + - @``,
tab and CR. Every admin that exports names these formats as its only ones
(``formats = [CSV]``; ``tests/security/test_exports_escape.py`` walks the admin site for
one that does not), so every CSV a clerk downloads is safe to open; their imports
read that quote off again (``unescape_cell``), so an export re-imports unchanged.
"""

import csv
import io

import tablib
from import_export.formats import base_formats

from fleetops.csvexport import escape_cell, unescape_cell


class _SafeExportMixin:
    def _escape_formulae(self, dataset):
        escaped = [[escape_cell(cell) for cell in row] for row in dataset]
        del dataset[:]
        for row in escaped:
            dataset.append(row)


class CSVReadError(ValueError):
    """A file that cannot be read as a table; the message is for the user."""


class CSV(_SafeExportMixin, base_formats.CSV):
    def create_dataset(self, in_stream, **kwargs):
        """The file's rows, each with the file line it starts on (``dataset.line_numbers``:
        a quoted cell may hold line breaks); blank lines before the header and empty lines
        skipped, the export's formula quotes read off."""
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        reader = csv.reader(io.StringIO(in_stream.removeprefix("\ufeff"), newline=""))
        dataset, lines, line = tablib.Dataset(), [], 1
        for row in reader:
            start, line = line, reader.line_num + 1
            if not dataset.headers:
                if any(cell.strip() for cell in row):
                    dataset.headers = row
                continue
            if not row:
                continue
            if len(row) > len(dataset.headers):
                raise CSVReadError(
                    f"Line {start} has {len(row)} cells, the header {len(dataset.headers)}: "
                    "an unquoted comma? A value with a comma (1,000.00) must be in quotes."
                )
            row += [""] * (len(dataset.headers) - len(row))
            dataset.append([unescape_cell(cell) for cell in row])
            lines.append(start)
        dataset.line_numbers = lines
        return dataset


FORMATS = [CSV]
