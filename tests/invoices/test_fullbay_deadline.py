"""Every Fullbay request has a deadline for its whole answer, over real HTTP.

A server that trickles a few bytes at a time never trips the per-read timeout: without a
deadline a pull would hang until the task is killed (Q_TIMEOUT). Past the deadline the
request counts as a timeout: retried with backoff within FULLBAY_RETRIES, then the run fails
saying so.
"""

import datetime as dt
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from fleetops.models import RunStatus
from invoices.fullbay import FullbayClient, FullbayError
from invoices.generator import FullbayGenerator
from invoices.models import IngestRun, RawInvoice
from tests.invoices.fakefullbay import FakeFullbay

TODAY = dt.date(2025, 6, 10)
DAY = dt.date(2025, 5, 1)
# a trickled answer takes minutes, each read well within the 1 s per-read timeout; a quick
# answer takes milliseconds: the deadline leaves it room on a loaded machine
FAST = {"FULLBAY_TIMEOUT_SECONDS": 1, "FULLBAY_DEADLINE_SECONDS": 0.6,
        "FULLBAY_RETRIES": 2, "FULLBAY_BACKOFF_SECONDS": 0.01}  # fmt: skip


@pytest.fixture(scope="module")
def invoices():
    return FullbayGenerator(23).invoices_between(DAY, DAY, per_day=6)  # one page


@pytest.fixture
def fake(invoices):
    with FakeFullbay(invoices=invoices, today=TODAY, trickle_bytes=2, trickle_seconds=0.05) as f:
        yield f


def client_for(fake) -> FullbayClient:
    return FullbayClient(base_url=fake.url, key=fake.key, public_ip=fake.ip, today=lambda: TODAY)


@override_settings(**FAST)
@pytest.mark.parametrize("fault", ["trickle", "trickle-headers"])
def test_an_answer_trickled_past_the_deadline_is_given_up_and_tried_again(fake, fault):
    fake.faults.append(fault)
    client = client_for(fake)
    page = client.page(DAY, DAY, 1)
    # the trickled answer (minutes long) was cut, the second attempt answered whole
    assert page["status"] == "SUCCESS" and len(page["resultSet"]) == 6
    assert client.requests_made == 2


@override_settings(**FAST)
def test_an_answer_trickled_on_every_attempt_fails_the_page_naming_the_deadline(fake):
    fake.faults.extend(["trickle"] * 3)
    with pytest.raises(FullbayError) as raised:
        client_for(fake).page(DAY, DAY, 1)
    assert str(raised.value) == (
        "Fullbay getInvoices 2025-05-01..2025-05-01 page 1 failed after 3 attempts: "
        "no complete answer within 0.6 s"
    )


@override_settings(**FAST)
def test_the_deadline_counts_each_request_not_the_pages_together(fake):
    """Quick answers a while apart: together past 0.6 s, each well within it."""
    client = client_for(fake)
    for _ in range(4):
        assert client.page(DAY, DAY, 1)["status"] == "SUCCESS"
        time.sleep(0.3)  # a request's timer outliving it would cut a later one here
    assert client.requests_made == 4


@pytest.mark.django_db
def test_a_pull_from_a_trickling_fullbay_fails_its_run_with_a_clear_message(invoices):
    today = dt.datetime.now(dt.UTC).date()  # the command signs with the real date
    with FakeFullbay(invoices=invoices, today=today, trickle_seconds=0.05) as fake:
        fake.faults.extend(["trickle"] * 2)
        with (
            override_settings(FULLBAY_BASE_URL=fake.url, FULLBAY_API_KEY=fake.key,
                              FULLBAY_PUBLIC_IP=fake.ip, **{**FAST, "FULLBAY_RETRIES": 1}),
            pytest.raises(CommandError),
        ):  # fmt: skip
            call_command("ingest_invoices", "--from-api", "--start", "2025-05-01",
                         "--end", "2025-05-01")  # fmt: skip
    run = IngestRun.objects.get()
    assert run.status == RunStatus.FAILED and RawInvoice.objects.count() == 0
    assert run.error.endswith(
        "getInvoices 2025-05-01..2025-05-01 page 1 failed after 2 attempts: "
        "no complete answer within 0.6 s"
    )
