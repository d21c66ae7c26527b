"""The token's date: Fullbay checks it against its own "today", whose time zone no one states."""

import datetime as dt

import pytest
import time_machine
from django.test import override_settings

from invoices.fullbay import FullbayAuthError, FullbayClient
from invoices.generator import FullbayGenerator
from tests.invoices.fakefullbay import FakeFullbay

DAY = dt.date(2025, 5, 1)


@pytest.fixture(scope="module")
def invoices():
    return FullbayGenerator(7).invoices_between(DAY, DAY, per_day=25)  # 3 pages


@pytest.fixture
def fake(invoices):
    with FakeFullbay(invoices=invoices, today=dt.date(2025, 6, 10)) as server:
        yield server


def client_for(fake, **kwargs) -> FullbayClient:
    options = {"base_url": fake.url, "key": fake.key, "public_ip": fake.ip, "timeout": 1.5,
               "retries": 2, "backoff": 0.01, **kwargs}  # fmt: skip
    return FullbayClient(**options)


@pytest.mark.parametrize("fullbay_today", [dt.date(2025, 6, 11), dt.date(2025, 6, 10)])
def test_late_in_the_evening_the_configured_client_gets_in_whichever_date_fullbay_keeps(
    fake, fullbay_today
):
    """23:30 in Chicago is 04:30 UTC the next day. Public Fullbay clients sign with the UTC
    date, so that is tried first; a Fullbay on US time is reached with the day before."""
    fake.today = fullbay_today
    evening = dt.datetime(2025, 6, 10, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    with (
        override_settings(
            FULLBAY_BASE_URL=fake.url, FULLBAY_API_KEY=fake.key, FULLBAY_PUBLIC_IP=fake.ip
        ),
        time_machine.travel(evening, tick=False),
    ):
        client = FullbayClient.from_settings(sleep=lambda s: None)
        assert len(list(client.invoices(DAY, DAY))) == 25
    refused = 1 if fullbay_today == dt.date(2025, 6, 10) else 0  # the UTC date, once
    assert client.requests_made == 3 + refused


@pytest.mark.parametrize("shift", [-1, 1])
def test_a_refused_token_is_tried_with_the_next_dates_and_the_one_taken_is_kept(fake, shift):
    fake.today = dt.date(2025, 6, 10) + dt.timedelta(days=shift)
    client = client_for(fake, today=lambda: dt.date(2025, 6, 10))
    assert len(list(client.invoices(DAY, DAY))) == 25
    # page 1 refused, page 1 again with the neighbour that works, then pages 2 and 3 with it
    assert client.requests_made == (5 if shift == 1 else 4)


def test_a_key_refused_on_every_nearby_date_is_an_auth_error_naming_them(fake):
    client = client_for(fake, key="wrong-key", today=lambda: dt.date(2025, 6, 10))
    with pytest.raises(FullbayAuthError, match="Invalid key or token") as refused:
        client.page(DAY, DAY, 1)
    assert "2025-06-09" in str(refused.value) and "2025-06-11" in str(refused.value)
    assert client.requests_made == 3


def test_a_retry_after_midnight_signs_with_the_new_date(fake):
    """The 500 comes at 23:59:59; the retry a moment later must carry the new day's token."""
    days = [dt.date(2025, 6, 9), dt.date(2025, 6, 10)]  # before the 500, then after it
    today = lambda: days.pop(0) if len(days) > 1 else days[0]  # noqa: E731
    fake.faults.append("500")
    client = client_for(fake, today=today)
    assert client.page(DAY, DAY, 1)["status"] == "SUCCESS"
    assert client.requests_made == 2
