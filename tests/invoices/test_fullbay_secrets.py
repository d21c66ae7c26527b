"""FULLBAY_API_KEY and the token it signs stay out of run rows, command output and logs."""

import contextlib
import datetime as dt
import logging

import pytest
from django.test import override_settings

from fleetops.models import RunStatus
from invoices.fullbay import FullbayClient, FullbayError, fullbay_token
from invoices.generator import FullbayGenerator
from invoices.models import IngestRun
from invoices.services import invoices_fetch
from tests.invoices.fakefullbay import FakeFullbay

TODAY = dt.date(2025, 6, 10)
DAY = dt.date(2025, 5, 1)
KEY = "k3y/with+odd=chars"


@pytest.fixture(scope="module")
def invoices():
    return FullbayGenerator(13).invoices_between(DAY, DAY, per_day=4)


@pytest.fixture
def fake(invoices):
    with FakeFullbay(invoices=invoices, key=KEY, today=TODAY, page_size=2) as server:
        yield server


def client_for(fake, **kwargs) -> FullbayClient:
    options = {"base_url": fake.url, "key": fake.key, "public_ip": fake.ip, "timeout": 1.5,
               "retries": 1, "backoff": 0.01, "today": lambda: TODAY, **kwargs}  # fmt: skip
    return FullbayClient(**options)


def secrets_of(fake) -> list[str]:
    from urllib.parse import quote, quote_plus

    token = fullbay_token(fake.key, TODAY, fake.ip)
    return [fake.key, quote_plus(fake.key), quote(fake.key, safe=""), token]


@pytest.mark.django_db
@pytest.mark.parametrize("faults", [[], [None, "500", "500"]], ids=["ok", "failing-page-2"])
def test_debug_logging_of_every_request_shows_neither_key_nor_token(fake, caplog, faults):
    """LOG_LEVEL=DEBUG makes urllib3 log each request line, query string and all."""
    caplog.set_level(logging.DEBUG)
    fake.faults.extend(faults)
    with contextlib.suppress(FullbayError):
        invoices_fetch(start=DAY, end=DAY, client=client_for(fake))
    run = IngestRun.objects.get()
    assert run.status == (RunStatus.FAILED if faults else RunStatus.SUCCEEDED)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "getInvoices.php" in logged and "page=2" in logged  # the request lines are there
    for secret in secrets_of(fake):
        assert secret not in logged
        assert secret not in run.error


@pytest.mark.django_db
def test_a_refused_connection_names_neither_key_nor_token(caplog):
    caplog.set_level(logging.DEBUG)
    client = FullbayClient(base_url="http://127.0.0.1:1", key=KEY, public_ip="203.0.113.7",
                           retries=1, backoff=0.01, today=lambda: TODAY)  # fmt: skip
    with pytest.raises(FullbayError):
        invoices_fetch(start=DAY, end=DAY, client=client)
    run = IngestRun.objects.get()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    token = fullbay_token(KEY, TODAY, "203.0.113.7")
    for text in (logged, run.error):
        assert KEY not in text and token not in text and "k3y" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["FULLBAY_API_KEY", "FULLBAY_PUBLIC_IP"])
def test_no_key_configured_fails_the_scheduled_pull_as_a_run_saying_what_to_set(missing):
    """The morning schedule with no key: a failed run row that says which setting is
    missing (what monitoring and the admin read), no request made."""
    from invoices.tasks import invoices_pull_yesterday

    settings = {"FULLBAY_BASE_URL": "http://127.0.0.1:1", "FULLBAY_API_KEY": KEY,
                "FULLBAY_PUBLIC_IP": "203.0.113.7", missing: ""}  # fmt: skip
    with override_settings(**settings), pytest.raises(FullbayError, match=missing):
        invoices_pull_yesterday()
    run = IngestRun.objects.get()
    assert (run.trigger, run.status) == (IngestRun.Trigger.SCHEDULE, RunStatus.FAILED)
    assert missing in run.error and "Traceback" not in run.error


@pytest.mark.django_db
def test_no_key_configured_makes_the_command_say_what_to_set(capsys):
    from django.core.management import CommandError, call_command

    settings = {"FULLBAY_BASE_URL": "http://127.0.0.1:1", "FULLBAY_API_KEY": "",
                "FULLBAY_PUBLIC_IP": "203.0.113.7"}  # fmt: skip
    with override_settings(**settings), pytest.raises(CommandError) as refused:
        call_command("ingest_invoices", "--from-api", "--start", "2025-05-01", "--end",
                     "2025-05-01", "--json")  # fmt: skip
    assert str(refused.value).startswith("Fullbay cannot be called: FULLBAY_API_KEY not set")
    assert '"status": "failed"' in capsys.readouterr().out
    assert IngestRun.objects.get().status == RunStatus.FAILED


@pytest.mark.django_db
def test_a_fail_message_echoing_the_token_is_stored_without_it(fake):
    token = fullbay_token(fake.key, TODAY, fake.ip)
    refusal = {"status": "FAIL", "message": f"Token {token} is not valid for this key"}
    fake.on_page = lambda page, envelope: refusal
    with pytest.raises(FullbayError):
        invoices_fetch(start=DAY, end=DAY, client=client_for(fake))
    error = IngestRun.objects.get().error
    assert "Token <token> is not valid" in error and token not in error
