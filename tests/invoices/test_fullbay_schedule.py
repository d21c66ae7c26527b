"""The morning pull's catch-up, over real HTTP against a fake Fullbay, with time frozen.

The schedule pulls yesterday (local, America/Chicago), and the days before it since the
latest invoice date a successful API pull covered, at most ``CATCH_UP_DAYS`` in all, in
windows Fullbay accepts (1 to 7 days).
"""

import datetime as dt
import zoneinfo

import pytest
import time_machine
from django.test import override_settings

from fleetops.models import RunStatus
from invoices.fullbay import FullbayError
from invoices.generator import FullbayGenerator
from invoices.models import IngestRun, RawInvoice
from invoices.services import invoices_fetch
from invoices.tasks import CATCH_UP_DAYS, invoices_pull_yesterday
from tests.invoices.fakefullbay import FakeFullbay

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
FIRST_DAY, LAST_DAY = dt.date(2025, 4, 1), dt.date(2025, 5, 31)
PER_DAY = 2


@pytest.fixture(scope="module")
def invoices():
    return FullbayGenerator(11).invoices_between(FIRST_DAY, LAST_DAY, per_day=PER_DAY)


@pytest.fixture
def fake(invoices):
    with (
        FakeFullbay(invoices=invoices, page_size=50) as server,
        override_settings(
            FULLBAY_BASE_URL=server.url, FULLBAY_API_KEY=server.key, FULLBAY_PUBLIC_IP=server.ip
        ),
    ):
        yield server


def at(fake, when: dt.datetime):
    """Travel to ``when`` (local time), Fullbay's "today" being the UTC date then."""
    fake.today = when.astimezone(dt.UTC).date()
    return time_machine.travel(when, tick=False)


def morning(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(6, 30), CHICAGO)


def pull(fake, when: dt.datetime) -> IngestRun:
    with at(fake, when):
        return IngestRun.objects.get(pk=invoices_pull_yesterday())


def windows_asked(fake) -> list[tuple[dt.date, dt.date]]:
    pages_1 = [r for r in fake.requests if r.get("page") == "1"]
    return [(dt.date.fromisoformat(r["startDate"]), dt.date.fromisoformat(r["endDate"]))
            for r in pages_1]  # fmt: skip


def days(first: str, last: str) -> tuple[dt.date, dt.date]:
    return dt.date.fromisoformat(first), dt.date.fromisoformat(last)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "missed, window, calls",
    [
        (0, days("2025-05-09", "2025-05-09"), [days("2025-05-09", "2025-05-09")]),
        (1, days("2025-05-08", "2025-05-09"), [days("2025-05-08", "2025-05-09")]),
        (3, days("2025-05-06", "2025-05-09"), [days("2025-05-06", "2025-05-09")]),
        # 20 mornings missed: the last 14 days only, in two windows of 7
        (20, days("2025-04-26", "2025-05-09"),
         [days("2025-04-26", "2025-05-02"), days("2025-05-03", "2025-05-09")]),
    ],
)  # fmt: skip
def test_the_days_pulled_after_missed_mornings(fake, missed, window, calls):
    """The last good pull is the morning of (10 May - 1 - missed); the mornings after it
    are missed (the cluster stopped); 10 May pulls what they would have."""
    last_good = dt.date(2025, 5, 10) - dt.timedelta(days=1 + missed)
    pull(fake, morning(last_good))
    fake.requests.clear()
    run = pull(fake, morning(dt.date(2025, 5, 10)))
    assert (run.status, run.window_start, run.window_end) == (RunStatus.SUCCEEDED, *window)
    assert (run.window_end - run.window_start).days + 1 == min(missed + 1, CATCH_UP_DAYS)
    assert windows_asked(fake) == calls
    assert all(1 <= (last - first).days + 1 <= 7 for first, last in calls)
    assert run.fetched == run.processed == PER_DAY * ((window[1] - window[0]).days + 1)


@pytest.mark.django_db
def test_a_first_pull_ever_takes_yesterday_alone(fake):
    run = pull(fake, morning(dt.date(2025, 5, 10)))
    assert (run.window_start, run.window_end) == days("2025-05-09", "2025-05-09")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "when, yesterday",
    [
        # 23:30 in Chicago is already the 10th in UTC: yesterday is still the 8th
        (dt.datetime(2025, 5, 9, 23, 30, tzinfo=CHICAGO), "2025-05-08"),
        # 00:30 in Chicago, 05:30 UTC: the 9th
        (dt.datetime(2025, 5, 10, 0, 30, tzinfo=CHICAGO), "2025-05-09"),
    ],
)
def test_yesterday_is_the_local_one(fake, when, yesterday):
    run = pull(fake, when)
    assert (run.window_start, run.window_end) == days(yesterday, yesterday)


@pytest.mark.django_db
def test_a_pull_that_failed_midway_does_not_count_as_covering_its_days(fake):
    """9 May's pull of the 8th gets page 1 and fails on page 2: the 10th pulls the 8th again
    with the 9th, and re-reading the invoices page 1 stored duplicates none of them."""
    fake.page_size = 1  # one invoice a page: page 2 of the 8th exists
    pull(fake, morning(dt.date(2025, 5, 8)))  # the 7th, fine
    fake.faults.extend([None, "fail"])  # page 2: FAIL "Service temporarily disabled"
    with pytest.raises(FullbayError):
        pull(fake, morning(dt.date(2025, 5, 9)))
    failed = IngestRun.objects.get(status=RunStatus.FAILED)
    assert (failed.window_end, failed.fetched) == (dt.date(2025, 5, 8), 1)
    run = pull(fake, morning(dt.date(2025, 5, 10)))
    assert (run.window_start, run.window_end) == days("2025-05-08", "2025-05-09")
    assert (run.processed, run.skipped) == (3, 1)
    assert RawInvoice.objects.count() == 3 * PER_DAY


@pytest.mark.django_db
def test_a_pull_during_a_day_does_not_count_that_day_as_covered(fake, invoices):
    """A clerk pulls 7 May at 10:00 on the 7th: the invoices of that afternoon are not out yet.
    The morning of the 8th is missed; the 9th pulls the 7th again, with the 8th."""
    morning_ones = [i for i in invoices if i["invoiceDate"] == "2025-05-07"][:1]
    fake.invoices = [i for i in invoices if i["invoiceDate"] != "2025-05-07"] + morning_ones
    with at(fake, dt.datetime(2025, 5, 7, 10, 0, tzinfo=CHICAGO)):
        invoices_fetch(start=dt.date(2025, 5, 7), end=dt.date(2025, 5, 7))
    fake.invoices = list(invoices)  # the afternoon's invoice is out
    run = pull(fake, morning(dt.date(2025, 5, 9)))
    assert (run.window_start, run.window_end) == days("2025-05-07", "2025-05-08")
    assert RawInvoice.objects.filter(invoice_date=dt.date(2025, 5, 7)).count() == PER_DAY
