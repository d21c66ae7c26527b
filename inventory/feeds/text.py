"""A feed file as text, before any row is read: decoded (UTF-8 with or without a BOM,
else Windows-1252), refused whole when it is another kind of file (a workbook, a PDF,
JSON, XML, a web page), its delimiter guessed, its lines as the csv module reads them,
and a quoted field that is never closed found (with the line it opened on).
"""

import codecs
import csv
import re


class FeedRejected(Exception):
    """The whole file is refused; nothing is written."""


# Files clerks pick by mistake, by their first bytes: what each is, named in the refusal.
_NOT_CSV_BYTES = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another ZIP archive"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls)"),
    (b"%PDF", "a PDF document"),
    (b"\xff\xfe", "UTF-16 text"),
    (b"\xfe\xff", "UTF-16 text"),
)
# ... and by their first characters: a JSON object or list, an XML document, a web page.
# A CSV header may start with a bracket ("[VIN]", "<VIN>"), so the shapes are specific.
_NOT_CSV_TEXT = (
    (re.compile(r'\s*(\{\s*("|\}|$)|\[\s*(\{|\[|"|\]|-?[0-9]|$))'), "a JSON file"),
    (re.compile(r"\s*<\?xml[\s?]", re.I), "an XML file"),
    (re.compile(r"\s*(<!--.*?-->\s*)*<(!doctype\s+html|html[\s>])", re.I | re.S), "an HTML page"),
    (re.compile(r"\s*<[A-Za-z][\w:.-]*(\s+[\w:.-]+=\"[^\"]*\")*\s*/?>\s*<", re.S), "an XML file"),
)


def _not_csv(what: str) -> FeedRejected:
    utf8 = ", not a UTF-8 CSV export" if what == "UTF-16 text" else ", not a CSV export"
    return FeedRejected(
        f"This is {what}{utf8}: export the snapshot from the source as CSV (comma, "
        "semicolon, tab or pipe separated, UTF-8) and upload that file."
    )


def _as_cp1252(error: UnicodeDecodeError) -> tuple[str, int]:
    """The bytes that are not UTF-8, read as Windows-1252 (``codecs`` error handler)."""
    return error.object[error.start : error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error("fleetops_cp1252", _as_cp1252)


# Past this many bytes that are not UTF-8, the file is read as Windows-1252 whole: the
# per-byte handler is for a few stray bytes, not for megabytes of them (a call each).
_STRAY_BYTES = 1000


def bytes_decoded(data: bytes) -> str:
    """``data`` as text: UTF-8 (a BOM dropped); the bytes that are not UTF-8 read as
    Windows-1252, the encoding of older exports. A UTF-8 file with a few stray bytes (a
    cell edited in an old spreadsheet: ``\\xe9``) keeps its other accents; a file with
    many (a Windows-1252 export) is read as Windows-1252 whole."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    replaced = data.decode("utf-8-sig", errors="replace").count("\ufffd")
    if replaced - data.count("\ufffd".encode()) > _STRAY_BYTES:
        return data.decode("cp1252", errors="replace")
    return data.decode("utf-8-sig", errors="fleetops_cp1252")


def text_decode(data: bytes) -> str:
    """``data`` as text (:func:`bytes_decoded`). :class:`FeedRejected`, naming what it
    is, for a file of another kind."""
    for magic, what in _NOT_CSV_BYTES:
        if data.startswith(magic):
            raise _not_csv(what)
    if b"\x00" in data[:4096]:
        raise FeedRejected("This is not a CSV file (it contains binary data).")
    text = bytes_decoded(data)
    head = text[:2048]
    for shape, what in _NOT_CSV_TEXT:
        if shape.match(head):
            raise _not_csv(what)
    return text


_DELIMITERS = ",;\t|"


def delimiter_sniff(text: str) -> str:
    """The delimiter of the CSV ``text`` (comma, semicolon, tab or pipe): the one that
    splits its header (the first line not blank) into the most cells; on a tie the csv
    sniffer's guess (comma when it has none).

    The header decides: the sniffer wants a delimiter on nearly every line the same
    number of times, and in a file of a few rows one row that leaves off its empty last
    cells or ends with a delimiter (rows read as usual) made it guess comma for a
    semicolon, tab or pipe file, then refused as having no VIN column.
    """
    try:
        sniffed = csv.Sniffer().sniff(text[:8192], delimiters=_DELIMITERS).delimiter
    except csv.Error:
        sniffed = ","
    lines = (line for line in text_lines(text) if line.strip(f' \r\n"{_DELIMITERS}'))
    header = next(lines, "")

    def cells(delimiter: str) -> int:
        return len(next(csv.reader([header], delimiter=delimiter), []))

    return max((sniffed, *_DELIMITERS), key=cells)  # the first of the most: sniffed


# a line as io.StringIO(text, newline="") reads it: up to \r\n, \r or \n, kept
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


def text_lines(text: str):
    """The lines of ``text`` one at a time (the header needs the first few, not a copy of
    all of it)."""
    return (match.group() for match in _LINE.finditer(text))


def _quote_left_open(lines: list[str], first_line: int, delimiter: str) -> int | None:
    """The line where a quoted field of the record read from ``lines`` (starting on line
    ``first_line``) opened, when it is never closed; else None.

    With ``strict=False`` the csv reader takes the end of the file inside a quoted field
    as the end of that field: a missing quote reads every line after it into one cell.
    Only the file's last record can end so. The fields are walked as that reader splits
    them: a quote opens a quoted field at a field's start only (``""`` inside is a
    quote); after the closing quote, or in a field not starting with one, a quote is text.
    """
    text = "".join(lines)
    d = re.escape(delimiter)
    field = re.compile(rf'"(?:[^"]|"")*("?)[^{d}\r\n]*|[^{d}\r\n]*')
    position = 0  # a field's start; each field ends at a delimiter or a line end
    while (match := field.match(text, position)).end() < len(text):
        position = match.end() + (2 if text.startswith("\r\n", match.end()) else 1)
    if not (match[0].startswith('"') and not match[1]):  # the last field: closed?
        return None
    opened = match.start()
    for number, line in enumerate(lines, first_line):
        if opened < len(line):
            return number
        opened -= len(line)
    return first_line + len(lines) - 1


def quote_checked(lines: list[str], first_line: int, delimiter: str) -> None:
    """:class:`FeedRejected` when a quoted field in ``lines`` is never closed."""
    if (opened := _quote_left_open(lines, first_line, delimiter)) is not None:
        raise FeedRejected(
            f"The quoted field opened on line {opened} is never closed: the rest of the "
            'file would be read into it. Is a closing quote (") missing?'
        )
