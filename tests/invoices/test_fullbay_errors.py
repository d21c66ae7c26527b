"""What the run row says when Fullbay or the network lets a pull down, over real HTTP.

The error is a line a clerk can act on: which call, what went wrong in words (not a
library's repr), what to check; pages read before the failure are kept whole, and running
the pull again is safe.
"""

import datetime as dt
import socket

import pytest

from fleetops.models import RunStatus
from invoices.fullbay import FullbayClient, FullbayError
from invoices.generator import FullbayGenerator
from invoices.models import IngestRun, RawInvoice
from invoices.services import invoices_fetch
from tests.invoices.fakefullbay import FakeFullbay

TODAY = dt.date(2025, 6, 10)
FIRST, LAST = dt.date(2025, 5, 1), dt.date(2025, 5, 3)  # one window: 45 invoices, 5 pages
WHERE = "Fullbay getInvoices 2025-05-01..2025-05-03 page 1"


@pytest.fixture(scope="module")
def window():
    return FullbayGenerator(17).invoices_between(FIRST, LAST, per_day=15)


@pytest.fixture
def fake(window):
    with FakeFullbay(invoices=window, today=TODAY, page_size=10, slow_seconds=2.0) as server:
        yield server


def client_for(fake, **kwargs) -> FullbayClient:
    options = {"base_url": fake.url, "key": fake.key, "public_ip": fake.ip, "timeout": 0.3,
               "retries": 2, "backoff": 0.01, "today": lambda: TODAY, **kwargs}  # fmt: skip
    return FullbayClient(**options)


def failed_run(client) -> IngestRun:
    with pytest.raises(FullbayError):
        invoices_fetch(start=FIRST, end=LAST, client=client)
    run = IngestRun.objects.get()
    assert run.status == RunStatus.FAILED and run.finished_at is not None
    for noise in ("Traceback", "HTTPConnectionPool", "object at 0x", "Caused by", "key="):
        assert noise not in run.error
    return run


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fault, problem",
    [
        ("slow", "no answer within 0.3 s"),
        ("stall", "no answer within 0.3 s"),
        ("cut", "the connection broke off in the middle of the answer"),
        ("reset", "the connection broke off in the middle of the answer"),
        ("html", "the answer is not JSON (text/html: 'Fullbay - Scheduled Maintenance')"),
        ("502", "HTTP 502"),
        ("truncated", "the JSON answer is cut short or damaged"),
    ],
)
def test_a_fault_on_every_attempt_fails_the_run_saying_what_happened(fake, fault, problem):
    fake.faults.extend([fault] * 3)
    run = failed_run(client_for(fake))
    assert run.error.startswith(f"FullbayError: {WHERE} failed after 3 attempts: {problem}")
    assert (run.fetched, RawInvoice.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_a_refused_connection_names_the_host_and_the_refusal():
    port = free_port()
    client = FullbayClient(base_url=f"http://127.0.0.1:{port}", key="k", public_ip="1.2.3.4",
                           retries=1, backoff=0.01, today=lambda: TODAY)  # fmt: skip
    with pytest.raises(FullbayError):
        invoices_fetch(start=FIRST, end=LAST, client=client)
    run = IngestRun.objects.get()
    assert run.status == RunStatus.FAILED
    assert run.error.startswith(
        f"FullbayError: {WHERE} failed after 2 attempts: "
        f"cannot connect to 127.0.0.1:{port} (Connection refused); ConnectionError: "
    )  # then requests' text, for whoever debugs the network (tests/invoices/test_command.py)


@pytest.mark.django_db
def test_a_wrong_base_url_says_to_check_it(fake):
    run = failed_run(client_for(fake, base_url=f"{fake.url}/fullbay"))
    assert run.error == (
        f"FullbayError: Fullbay answered HTTP 404 for getInvoices 2025-05-01..2025-05-03 page 1: "
        f"check FULLBAY_BASE_URL ({fake.url}/fullbay)."
    )


@pytest.mark.django_db
@pytest.mark.parametrize("message", ["IP not allowed", "Invalid key or token."])
def test_a_refusal_on_page_3_of_5_keeps_pages_1_and_2_and_a_rerun_completes(fake, window, message):
    fake.on_page = lambda page, envelope: (
        {"status": "FAIL", "message": message} if page == 3 else envelope
    )
    run = failed_run(client_for(fake))
    assert run.error.startswith(
        f"FullbayAuthError: Fullbay refused getInvoices 2025-05-01..2025-05-03 page 3: {message}"
    )
    assert run.error.endswith("check FULLBAY_API_KEY and FULLBAY_PUBLIC_IP.")
    assert (run.fetched, run.processed, RawInvoice.objects.count()) == (20, 20, 20)
    fake.on_page = None  # fixed at Fullbay's end
    again = invoices_fetch(start=FIRST, end=LAST, client=client_for(fake))
    assert (again.status, again.fetched, again.processed, again.skipped) == (
        RunStatus.SUCCEEDED, 45, 25, 20,
    )  # fmt: skip
    assert RawInvoice.objects.count() == len(window)


@pytest.mark.django_db
def test_a_fail_on_page_1_ingests_nothing(fake):
    fake.faults.append("fail")
    run = failed_run(client_for(fake))
    assert run.error == (
        "FullbayError: Fullbay answered FAIL for getInvoices 2025-05-01..2025-05-03 page 1: "
        "Service temporarily disabled"
    )
    assert (run.fetched, RawInvoice.objects.count()) == (0, 0)
