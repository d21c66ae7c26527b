"""CSV downloads that are safe to open in a spreadsheet.

Cells starting with ``= + - @``, a tab or a carriage return are prefixed with a
single quote (OWASP CSV injection guidance); django-import-export only strips a
leading ``=``, so our own exports use this writer. So that an export imports back
unchanged, a cell that already starts with quotes before such a character gets one
more, and :func:`unescape_cell` (the CSV imports) takes exactly one off.
"""

import csv
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import StreamingHttpResponse

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")


def escape_cell(value):
    """The cell as text a spreadsheet will not execute; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return value  # numbers are data, never formulas, even when negative
    text = str(value)
    return "'" + text if _quoted_on_export(text) else text


def unescape_cell(value):
    """A cell as :func:`escape_cell` received it: ``'+1 650`` is ``+1 650`` again, any
    other cell (``'quoted``, ``-12.50``) is kept as it is."""
    if isinstance(value, str) and value.startswith("'") and _quoted_on_export(value[1:]):
        return value[1:]
    return value


def _quoted_on_export(text: str) -> bool:
    bare = text.lstrip("'")
    return bare.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.fullmatch(bare)


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, header: Sequence[str], rows: Iterable[Sequence]):
    """Stream ``rows`` as a CSV attachment named ``filename``."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"  # BOM: Excel opens UTF-8 correctly
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([escape_cell(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
