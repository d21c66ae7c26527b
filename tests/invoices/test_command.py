"""manage.py ingest_invoices: files, lists, single invoices, directories, --json, errors."""

import json

import pytest
from django.core.management import CommandError, call_command

from invoices.models import LineItem, RawInvoice
from tests.invoices.payloads import FIXTURES, invoice, sample_invoice

pytestmark = pytest.mark.django_db


def run_command(*args):
    from io import StringIO

    out = StringIO()
    call_command("ingest_invoices", *args, stdout=out)
    return out.getvalue()


def test_response_file_with_summary():
    out = run_command(str(FIXTURES / "getInvoices-sample-response.json"))
    assert "1 processed" in out and "4 line items" in out and "total 162.68" in out
    assert LineItem.objects.count() == 4


def test_directory_of_lists_and_single_invoices_with_json_summary(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([invoice("1"), invoice("2")]))
    sub = tmp_path / "more"
    sub.mkdir()
    (sub / "b.json").write_text(json.dumps(sample_invoice()))
    (tmp_path / "notes.txt").write_text("ignored")
    summary = json.loads(run_command(str(tmp_path), "--json"))
    assert (summary["fetched"], summary["processed"], summary["status"]) == (3, 3, "succeeded")
    assert RawInvoice.objects.count() == 3


def test_unreadable_file_is_a_clear_error_and_a_failed_run(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"resultSet": [')
    with pytest.raises(CommandError, match="not valid JSON"):
        run_command(str(bad))
    with pytest.raises(CommandError, match="no such file"):
        run_command(str(tmp_path / "missing.json"))


def test_from_api_needs_dates():
    with pytest.raises(CommandError, match="--start and --end"):
        run_command("--from-api")


def run_from_shell(*args):
    """``manage.py ingest_invoices ARGS``: the exit status, as the shell would see it."""
    from invoices.management.commands.ingest_invoices import Command

    try:
        Command().run_from_argv(["manage.py", "ingest_invoices", *args])
    except SystemExit as exit:
        return exit.code
    return 0


def closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.django_db(transaction=True)  # run_from_argv closes the connections
@pytest.mark.parametrize(
    "args",
    [["/no/such/dir"], ["--from-api"], [], ["--from-api", "--start", "2025-13-01", "--end", "x"]],
)
def test_json_failure_before_any_run_is_one_object_and_a_failing_exit(args, capsys):
    code = run_from_shell(*args, "--json")
    out, err = capsys.readouterr()
    assert code == 1
    failure = json.loads(out)  # one JSON object, nothing else on stdout
    assert failure["status"] == "failed" and failure["error"] in err


@pytest.mark.django_db(transaction=True)
def test_json_failure_when_fullbay_is_unreachable_is_one_object_and_a_failed_run(
    settings, monkeypatch, capsys
):
    from django.utils import timezone

    from invoices.fullbay import FullbayClient, fullbay_token
    from invoices.models import IngestRun

    settings.FULLBAY_BASE_URL = f"http://127.0.0.1:{closed_port()}"
    settings.FULLBAY_API_KEY, settings.FULLBAY_PUBLIC_IP = "s3cret key/+", "203.0.113.7"
    from_settings = FullbayClient.from_settings.__func__
    monkeypatch.setattr(  # retry at once: the refused connections are real, not the waits
        FullbayClient, "from_settings", classmethod(lambda cls: from_settings(cls, backoff=0))
    )
    code = run_from_shell("--from-api", "--start", "2025-06-01", "--end", "2025-06-02", "--json")
    out, err = capsys.readouterr()
    assert code == 1
    failure = json.loads(out)
    assert failure["status"] == "failed"
    assert "failed after 5 attempts" in failure["error"] and "ConnectionError" in failure["error"]
    run = IngestRun.objects.get()
    assert run.status == "failed" and "ConnectionError" in run.error
    # requests names the URL it tried: its key and token are not repeated anywhere
    token = fullbay_token("s3cret key/+", timezone.localdate(), "203.0.113.7")
    for text in (out, err, run.error):
        assert "s3cret" not in text and token not in text
    assert "key=<key>" in run.error and "token=<token>" in run.error


def test_human_failure_output_is_unchanged(tmp_path, capsys):
    missing = tmp_path / "missing"
    assert run_from_shell(str(missing)) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == f"CommandError: {missing}: no such file or directory\n"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_many_files_are_ingested_by_worker_processes_into_one_run(tmp_path, settings):
    """PostgreSQL: files are shared out to forked workers that claim and write themselves."""
    from django.db import connection

    from invoices.loaders import InvoiceFileError
    from invoices.models import IngestRun
    from invoices.services import invoice_ingest

    if connection.vendor != "postgresql":
        pytest.skip("worker processes are used on PostgreSQL only")
    settings.INVOICES_INGEST_WORKERS = 2
    for f in range(4):
        invoices = [invoice(f"W{f}-{n}", sub_total="0") for n in range(5)]
        (tmp_path / f"page-{f}.json").write_text(json.dumps({"resultSet": invoices}))
    (tmp_path / "page-9.json").write_text(json.dumps([invoice("W-bad", invoiceDate="someday")]))
    summary = json.loads(run_command(str(tmp_path), "--json"))
    expected = (21, 20, 1, 0, "succeeded")
    got = ("fetched", "processed", "failed", "skipped", "status")
    assert tuple(summary[k] for k in got) == expected
    assert RawInvoice.objects.filter(status="processed").count() == 20
    assert RawInvoice.objects.get(primary_key="W-bad").status == "failed"
    assert set(RawInvoice.objects.values_list("run_id", flat=True)) == {summary["run"]}
    again = json.loads(run_command(str(tmp_path), "--json"))
    assert (again["skipped"], again["processed"]) == (21, 0)  # failed: left to reprocess
    (tmp_path / "page-5.json").write_text("{oops")
    with pytest.raises(InvoiceFileError, match="not valid JSON"):
        invoice_ingest(paths=sorted(tmp_path.glob("*.json")), workers=2)
    failed = IngestRun.objects.latest("id")
    assert failed.status == "failed" and "page-5.json" in failed.error


def test_a_file_holding_one_invoice_with_a_status_field_ingests_that_invoice(tmp_path):
    paid = tmp_path / "paid.json"
    paid.write_text(json.dumps({"primaryKey": "9300001", "invoiceNumber": "ST", "status": "Paid",
                                "subTotal": 1, "total": 1}))  # fmt: skip
    summary = json.loads(run_command(str(paid), "--json"))
    assert (summary["fetched"], summary["processed"], summary["status"]) == (1, 1, "succeeded")
    assert RawInvoice.objects.get().invoice_number == "ST"


def test_an_envelope_with_an_error_status_fails_the_run_with_its_message(tmp_path):
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"status": "ERROR", "message": "Rate limited", "resultSet": []}))
    with pytest.raises(CommandError, match="page.json: .*'ERROR'.*Rate limited"):
        run_command(str(page))


@pytest.mark.django_db(transaction=True)
def test_an_unreadable_file_in_a_directory_is_reported_by_name_and_the_others_are_ingested(
    tmp_path, settings
):
    """The same on every backend (in process on SQLite, worker processes on PostgreSQL):
    every readable file is ingested, then the run fails naming each unreadable file."""
    from invoices.models import IngestRun

    settings.INVOICES_INGEST_WORKERS = 2
    (tmp_path / "a.json").write_text(json.dumps([invoice("A1"), invoice("A2")]))
    (tmp_path / "b.json").write_text("{not json")
    (tmp_path / "c.json").write_text(
        json.dumps({"status": "SUCCESS", "resultSet": [invoice("C1")]})
    )
    (tmp_path / "d.json").write_text(json.dumps({"status": "FAIL", "message": "Bad token"}))
    with pytest.raises(CommandError) as raised:
        run_command(str(tmp_path))
    message = str(raised.value)
    assert "b.json: not valid JSON" in message and "d.json:" in message and "Bad token" in message
    assert "a.json" not in message and "c.json" not in message
    assert sorted(RawInvoice.objects.values_list("primary_key", flat=True)) == ["A1", "A2", "C1"]
    run = IngestRun.objects.get()
    assert (run.status, run.fetched, run.processed, run.failed) == ("failed", 3, 3, 0)
    assert "b.json: not valid JSON" in run.error and "d.json:" in run.error
