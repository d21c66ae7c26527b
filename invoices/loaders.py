"""Read invoice payloads from files: a getInvoices response, a list, one invoice, or a directory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from invoices.fullbay import SUCCESS, envelope_status
from invoices.fullbay_http import finite_float, not_a_json_constant


class InvoiceFileError(ValueError):
    """A file that holds no invoices we can read."""


def is_envelope(data: dict) -> bool:
    """A getInvoices response: a ``resultSet``, or a ``status`` without an invoice's
    ``primaryKey`` (an invoice may carry a status of its own, e.g. "Paid")."""
    return "resultSet" in data or ("status" in data and "primaryKey" not in data)


def payloads_from_data(data: Any, *, name: str = "input") -> list:
    """The invoices inside parsed JSON: an envelope's ``resultSet``, a list, or one invoice.

    A list may hold envelopes (the pages of a window saved together): each gives its
    ``resultSet``; an item is a page only when it has a ``resultSet`` (an invoice may carry a
    status of its own). An envelope whose status is not SUCCESS is refused with its message,
    as the API client refuses it (a bare ``resultSet`` without a status is read as it is).
    """
    if isinstance(data, list):
        if not any(isinstance(item, dict) and "resultSet" in item for item in data):
            return data
        payloads = []
        for i, item in enumerate(data):
            if isinstance(item, dict) and "resultSet" in item:
                payloads.extend(_result_set(item, name=f"{name} (item {i + 1})"))
            else:
                payloads.append(item)
        return payloads
    if isinstance(data, dict):
        if is_envelope(data):
            return _result_set(data, name=name)
        return [data]
    raise InvoiceFileError(f"{name}: expected a JSON object or list, got {type(data).__name__}")


def _result_set(data: dict, *, name: str) -> list:
    if "status" in data and envelope_status(data) != SUCCESS:
        raise InvoiceFileError(
            f"{name}: a response with status {data['status']!r}, not {SUCCESS} "
            f"({data.get('message') or 'no message'})"
        )
    result = data.get("resultSet") or []
    if not isinstance(result, list):
        raise InvoiceFileError(f"{name}: resultSet is not a list")
    return result


def payloads_from_bytes(content: bytes, *, name: str = "upload") -> list:
    try:
        data = orjson.loads(content)  # fast; refuses NaN/Infinity as json does below
    except orjson.JSONDecodeError:
        data = _loads_slowly(content, name=name)  # what orjson refuses, json may still read
    return payloads_from_data(data, name=name)


def _loads_slowly(content: bytes, *, name: str) -> Any:
    """The ``json`` module's reading (integers beyond 64 bits, lone surrogates), or why not."""
    try:
        return json.loads(content, parse_constant=not_a_json_constant, parse_float=finite_float)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvoiceFileError(f"{name}: not valid JSON ({exc})") from None
    except RecursionError:  # "[[[[..." deeper than the parser goes: hostile, not an invoice
        raise InvoiceFileError(f"{name}: JSON nested too deeply to be an invoice file") from None


def json_files(paths: list[str | Path]) -> list[Path]:
    """Files in ``paths``; a directory gives its ``*.json`` files (sorted, recursive)."""
    files = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise InvoiceFileError(f"{path}: no such file or directory")
    return files


def payloads_from_file(path: str | Path) -> list:
    """The invoices in one file; ``InvoiceFileError`` naming it when it cannot be read."""
    try:
        content = Path(path).read_bytes()
    except OSError as exc:
        raise InvoiceFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return payloads_from_bytes(content, name=str(path))


def payloads_from_paths(paths: list[str | Path]) -> Iterator[Any]:
    """Every invoice in ``paths``, file after file (read lazily, one file in memory at a time)."""
    for path in json_files(paths):
        yield from payloads_from_file(path)


def unreadable_files_error(errors: list[str]) -> InvoiceFileError:
    """One error naming every file an ingest could not read (each message names its file)."""
    if len(errors) == 1:
        return InvoiceFileError(errors[0])
    return InvoiceFileError(f"{len(errors)} files could not be read: " + "; ".join(errors))
