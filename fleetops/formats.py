"""django-import-export file formats with FleetOps' spreadsheet-formula escaping.

The library's own escaping only strips a leading ``=``; OWASP lists ``= + - @``,
tab and CR. Every admin that exports names these formats as its only ones
(``formats = [CSV]``; ``tests/security/test_exports_escape.py`` walks the admin site for
one that does not), so every CSV a clerk downloads is safe to open; their imports
read that quote off again (``unescape_cell``), so an export re-imports unchanged.
"""

import csv
import io
from collections.abc import Iterator

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
        skipped, the export's formula quotes read off; quoting read strictly
        (:func:`csv_records`)."""
        if isinstance(in_stream, bytes):
            in_stream = in_stream.decode(self.encoding or "utf-8-sig")
        dataset, lines = tablib.Dataset(), []
        for start, row in csv_records(in_stream.removeprefix("\ufeff")):
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


class CSVQuotingError(CSVReadError):
    """A record whose quoting RFC 4180 refuses: ``line`` is where the record starts,
    ``reason`` what is wrong (the message is both)."""

    def __init__(self, line: int, reason: str):
        super().__init__(f"Line {line}: {reason}")
        self.line, self.reason = line, reason


def csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    """``(line the record starts on, its cells)`` of each record of ``text``: a quoted cell
    with line breaks makes a record span several lines. Quoting is read as RFC 4180 has it
    (``strict``): a quote closed with text after it (``"Rush" order``) or never closed
    raises :class:`CSVQuotingError`, and the rest is not read (where the next record
    starts is unknown). Read leniently, the first became ``Rush order`` without a word and
    the second swallowed the rest of the file into one cell (past the csv module's cell
    size limit, a traceback)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CSVQuotingError(
                start,
                f"bad quoting in the record starting here (read to line {reader.line_num}: "
                f"{exc}): a quoted value must end with a quote followed by a comma or the "
                'line end, and a quote inside it is doubled ("")',
            ) from None
        yield start, row
        start = reader.line_num + 1


FORMATS = [CSV]
