"""The Fullbay client's timeout, deadline, retries and backoff are settings from the environment."""

import datetime as dt

import pytest
from django.test import override_settings

from invoices.fullbay import FullbayClient, FullbayError
from invoices.generator import FullbayGenerator
from tests.fleetops.test_settings import run_manage
from tests.invoices.fakefullbay import FakeFullbay

TODAY = dt.date(2025, 6, 10)
DAY = dt.date(2025, 5, 1)


@pytest.fixture
def fake():
    invoices = FullbayGenerator(5).invoices_between(DAY, DAY, per_day=2)
    with FakeFullbay(invoices=invoices, today=TODAY, slow_seconds=2.0) as server:
        yield server


def test_the_defaults_are_30_s_a_read_120_s_a_request_4_retries_and_a_1_s_backoff():
    client = FullbayClient(base_url="http://x", key="k", public_ip="203.0.113.7")
    assert (client.timeout, client.deadline, client.retries, client.backoff) == (30, 120, 4, 1)


@override_settings(FULLBAY_TIMEOUT_SECONDS=0.3, FULLBAY_RETRIES=2, FULLBAY_BACKOFF_SECONDS=0.05)
def test_a_client_takes_its_timeout_retries_and_backoff_from_the_settings(fake):
    fake.faults.extend(["slow", "500", "500"])  # one attempt more than two retries allow
    sleeps = []
    client = FullbayClient(base_url=fake.url, key=fake.key, public_ip=fake.ip,
                           today=lambda: TODAY, sleep=sleeps.append)  # fmt: skip
    with pytest.raises(FullbayError, match=r"failed after 3 attempts: HTTP 500"):
        client.page(DAY, DAY, 1)
    assert sleeps == [0.05, 0.1] and client.requests_made == 3
    fake.faults.extend(["slow"] * 3)  # 2 s each: only a 0.3 s timeout gives up on them
    with pytest.raises(FullbayError, match=r"failed after 3 attempts: no answer within 0.3 s"):
        client.page(DAY, DAY, 1)


@override_settings(FULLBAY_RETRIES=0)
def test_arguments_win_over_the_settings(fake):
    client = FullbayClient(base_url=fake.url, key=fake.key, public_ip=fake.ip, retries=1,
                           backoff=0, today=lambda: TODAY)  # fmt: skip
    fake.faults.append("500")
    assert client.page(DAY, DAY, 1)["status"] == "SUCCESS" and client.requests_made == 2


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FULLBAY_TIMEOUT_SECONDS": "30s"}, "FULLBAY_TIMEOUT_SECONDS='30s' is not a whole number"),
        ({"FULLBAY_TIMEOUT_SECONDS": "0"}, "FULLBAY_TIMEOUT_SECONDS=0 must be at least 1"),
        ({"FULLBAY_DEADLINE_SECONDS": "2m"}, "FULLBAY_DEADLINE_SECONDS='2m' is not a whole number"),
        ({"FULLBAY_DEADLINE_SECONDS": "0"}, "FULLBAY_DEADLINE_SECONDS=0 must be at least 1"),
        ({"FULLBAY_RETRIES": "-1"}, "FULLBAY_RETRIES=-1 must be at least 0"),
        ({"FULLBAY_BACKOFF_SECONDS": "one"}, "FULLBAY_BACKOFF_SECONDS='one' is not a whole number"),
    ],
)
def test_a_malformed_value_stops_start_up_naming_the_variable(env, message):
    result = run_manage("check", env={"DEBUG": "true", **env})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr
