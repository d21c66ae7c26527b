"""Malformed invoice JSON through every way in: command, admin upload, API upload.

The user always gets a clear answer (never a 500 or a traceback), and nothing is
half-written: every stored invoice is either processed with all its line items
(``line_count`` equals the lines stored) or failed with an error and no lines.
"""

import contextlib
import copy
import io
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.urls import reverse
from hypothesis import event, example, given
from hypothesis import strategies as st

from invoices.models import IngestRun, LineItem, RawInvoice
from tests.invoices.payloads import sample_invoice, sample_response
from tests.security.hostile import HOSTILE, json_paths, json_set, json_values

pytestmark = pytest.mark.django_db

SAMPLE = sample_invoice()
SAMPLE_PATHS = [p for p in json_paths(SAMPLE) if p]


@st.composite
def mutated_invoice(draw):
    """The real sample invoice with a few values replaced by junk or removed."""
    invoice = copy.deepcopy(SAMPLE)
    invoice["primaryKey"] = str(draw(st.integers(min_value=1, max_value=40)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = [p for p in json_paths(invoice) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        with contextlib.suppress(KeyError, IndexError, TypeError):  # parent already gone
            json_set(invoice, path, draw(json_values), delete=draw(st.booleans()))
    return invoice


def _dumps(value) -> bytes:
    return json.dumps(value, allow_nan=True).encode()


@st.composite
def invoice_files(draw) -> bytes:
    kind = draw(st.sampled_from(["binary", "truncated", "envelope", "list", "one", "junk"]))
    if kind == "binary":
        return draw(st.binary(max_size=400))
    invoices = draw(st.lists(mutated_invoice(), min_size=1, max_size=3))
    if kind == "envelope":
        envelope = {**sample_response(), "resultSet": invoices}
        if draw(st.booleans()):
            key = draw(st.sampled_from(list(envelope)))
            envelope = json_set(envelope, (key,), draw(json_values))
        return _dumps(envelope)
    if kind == "list":
        return _dumps(invoices + draw(st.lists(json_values, max_size=2)))
    if kind == "one":
        return _dumps(invoices[0])
    if kind == "junk":
        return _dumps(draw(json_values))
    data = _dumps(invoices)
    return data[: draw(st.integers(min_value=0, max_value=len(data)))]


EXAMPLES = [
    b"",
    b"null",
    b"[]",
    b'{"status": "FAIL", "message": "bad key"}',
    b'{"resultSet": {"a": 1}}',
    b'[1, "x", null, [], {}]',
    b"[" * 5000 + b"]" * 5000,  # deeper than the JSON parser's recursion limit
    b'{"primaryKey": "' + b"9" * 200 + b'"}',  # longer than the column
    b'[{"primaryKey": null}, {"primaryKey": {"x": 1}}]',
    _dumps({**SAMPLE, "subTotal": 1e308 * 10}),
    _dumps({**SAMPLE, "primaryKey": "NUL\x00"}),
]


def with_examples(test):
    for data in EXAMPLES:
        test = example(data=data)(test)
    return test


def assert_nothing_half_written() -> None:
    """Processed invoices carry all their lines; failed ones carry none and say why."""
    lines = dict(
        LineItem.objects.values("raw_invoice_id")
        .annotate(n=Count("id"))
        .values_list("raw_invoice_id", "n")
    )
    for raw in RawInvoice.objects.only("id", "status", "error", "line_count"):
        event(f"invoice {raw.status}")
        assert raw.status != RawInvoice.Status.PENDING, "left pending after the ingest"
        if raw.status == RawInvoice.Status.FAILED:
            assert raw.pk not in lines and raw.error.strip()
            assert "Traceback" not in raw.error
        elif raw.status == RawInvoice.Status.PROCESSED:
            assert lines.get(raw.pk, 0) == (raw.line_count or 0), raw.pk
    assert not IngestRun.objects.filter(status="running").exists()


@HOSTILE
@given(data=invoice_files())
@with_examples
def test_ingest_invoices_command(data, tmp_path_factory):
    path = Path(tmp_path_factory.mktemp("inv")) / "invoices.json"
    path.write_bytes(data)
    try:
        call_command("ingest_invoices", str(path), "--json", stdout=io.StringIO())
    except CommandError as exc:
        event("command error")
        assert str(exc).strip() and "Traceback" not in str(exc)
    assert_nothing_half_written()


@HOSTILE
@given(data=invoice_files())
@with_examples
def test_invoice_api_upload(data, clerk, api_token, client):
    headers = {"Authorization": f"Bearer {api_token(clerk)}"}
    upload = SimpleUploadedFile("invoices.json", data, content_type="application/json")
    response = client.post("/api/invoices/upload", {"file": upload}, headers=headers)
    assert response.status_code in (201, 422), response.content[:500]
    assert "Traceback" not in response.content.decode()
    body = response.json()
    if response.status_code == 422:
        assert body["detail"].strip()
    else:
        assert body["status"] == "succeeded"
    assert_nothing_half_written()


@HOSTILE
@given(data=invoice_files())
@with_examples
def test_invoice_admin_upload(data, clerk, client_for):
    client = client_for(clerk)
    upload = SimpleUploadedFile("invoices.json", data, content_type="application/json")
    response = client.post(reverse("admin:invoices_rawinvoice_upload"), {"files": upload})
    assert response.status_code in (200, 302), response.status_code
    if response.status_code == 200:  # the form again, with the error
        assert b"errorlist" in response.content
    else:
        assert client.get(response["Location"]).status_code == 200
    assert b"Traceback" not in response.content
    assert_nothing_half_written()
