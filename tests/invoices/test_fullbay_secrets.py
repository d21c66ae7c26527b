"""FULLBAY_API_KEY and the token it signs stay out of run rows, command output and logs."""

import contextlib
import datetime as dt
import logging

import pytest

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
