"""The Fullbay client over real HTTP against a fake Fullbay on loopback."""

import datetime as dt
import hashlib

import pytest
import requests
import time_machine
from django.core.management import call_command
from django.test import override_settings
from django_q.models import Schedule

from fleetops.models import RunStatus
from invoices.fullbay import (
    FullbayAuthError,
    FullbayClient,
    FullbayError,
    date_windows,
    retry_after,
)
from invoices.generator import FullbayGenerator
from invoices.models import IngestRun, RawInvoice
from invoices.services import invoices_fetch
from tests.invoices.fakefullbay import FakeFullbay

TODAY = dt.date(2025, 6, 10)
START, END = dt.date(2025, 5, 1), dt.date(2025, 5, 20)


@pytest.fixture(scope="module")
def generated():
    return FullbayGenerator(3).invoices_between(START, END, per_day=3)  # 60 invoices


@pytest.fixture
def fake(generated):
    with FakeFullbay(invoices=generated, today=TODAY, slow_seconds=3.0) as server:
        yield server


def client_for(fake, **kwargs):
    options = {
        "base_url": fake.url,
        "key": fake.key,
        "public_ip": fake.ip,
        "timeout": 1.5,  # ample for a loopback request on a loaded machine; "slow" is 3 s
        "retries": 3,
        "backoff": 0.01,
        "today": lambda: TODAY,
    }
    options.update(kwargs)
    return FullbayClient(**options)


def test_token_is_sha1_of_key_date_and_ip():
    expected = hashlib.sha1(b"abc2025-06-10203.0.113.7").hexdigest()
    client = FullbayClient(base_url="http://x", key="abc", public_ip="203.0.113.7")
    from invoices.fullbay import fullbay_token

    assert fullbay_token(client.key, TODAY, client.public_ip) == expected


def test_windows_are_at_most_seven_days():
    windows = date_windows(START, END)
    assert windows[0] == (dt.date(2025, 5, 1), dt.date(2025, 5, 7))
    assert windows[-1] == (dt.date(2025, 5, 15), dt.date(2025, 5, 20))
    assert all((b - a).days < 7 for a, b in windows) and len(windows) == 3


def test_every_page_of_every_window_is_fetched(fake, generated):
    invoices = list(client_for(fake).invoices(START, END))
    assert sorted(i["primaryKey"] for i in invoices) == sorted(i["primaryKey"] for i in generated)
    # 3 windows of 21, 21, 18 invoices at 10 per page: 3 + 3 + 2 pages.
    assert len(fake.requests) == 8
    assert [r["page"] for r in fake.requests[:3]] == ["1", "2", "3"]


@pytest.mark.parametrize("fault", ["500", "slow", "truncated", "cut", "reset"])
def test_transient_faults_are_retried(fake, fault):
    """A 5xx, a timeout, half a body sent as whole, and a connection that ends (FIN or
    reset) in the middle of the body it promised: each is tried again."""
    fake.faults.append(fault)
    client = client_for(fake)
    page = client.page(START, START, 1)
    assert page["status"] == "SUCCESS" and client.requests_made == 2


def test_a_body_that_stalls_halfway_times_out_and_is_retried(fake):
    """The read timeout covers the body too, not only the wait for the headers."""
    fake.faults.append("stall")  # silent for 3 s after half the body
    client = client_for(fake, timeout=0.3)
    assert client.page(START, START, 1)["status"] == "SUCCESS" and client.requests_made == 2


def test_persistent_5xx_gives_a_clear_error(fake):
    fake.faults.extend(["500"] * 4)
    with pytest.raises(FullbayError, match="after 4 attempts: HTTP 500"):
        client_for(fake).page(START, START, 1)


@pytest.mark.parametrize("status", ["429", "503"])
@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "7"},
        # an HTTP date counts on the server's clock (its Date), not ours
        {"Date": "Tue, 10 Jun 2025 12:00:00 GMT", "Retry-After": "Tue, 10 Jun 2025 12:00:07 GMT"},
    ],
    ids=["seconds", "http-date"],
)
def test_a_busy_server_is_waited_for_as_long_as_it_asks(fake, status, headers):
    fake.faults.append(status)
    fake.busy_headers = headers
    sleeps = []
    client = client_for(fake, sleep=sleeps.append, backoff=0.5)
    assert client.page(START, START, 1)["status"] == "SUCCESS"
    assert sleeps == [7] and client.requests_made == 2


def test_without_a_usable_retry_after_the_client_backs_off_on_its_own(fake):
    fake.faults.extend(["429", "503"])
    fake.busy_headers = {"Retry-After": "soon"}
    sleeps = []
    client = client_for(fake, sleep=sleeps.append, backoff=0.5)
    assert client.page(START, START, 1)["status"] == "SUCCESS"
    assert sleeps == [0.5, 1.0]


def test_a_wait_beyond_the_budget_gives_up_at_once_naming_it(fake):
    fake.faults.extend(["503"] * 4)
    fake.busy_headers = {"Retry-After": "4000"}
    sleeps = []
    client = client_for(fake, sleep=sleeps.append, max_wait=300)
    asked = r"HTTP 503 \(Retry-After 4000 s\): another 4000 s would pass the 300 s"
    with pytest.raises(FullbayError, match=asked):
        client.page(START, START, 1)
    assert sleeps == [] and client.requests_made == 1


def test_the_budget_counts_every_wait_of_a_page(fake):
    fake.faults.extend(["429"] * 4)
    fake.busy_headers = {"Retry-After": "4"}
    sleeps = []
    client = client_for(fake, sleep=sleeps.append, max_wait=10)
    with pytest.raises(FullbayError, match=r"another 4 s would pass the 10 s .* \(8 s so far\)"):
        client.page(START, START, 1)
    assert sleeps == [4, 4] and client.requests_made == 3


def test_retry_after_without_a_server_date_counts_on_the_clients_clock():
    response = requests.Response()
    response.headers["Retry-After"] = "Tue, 10 Jun 2025 12:00:30 GMT"
    noon = dt.datetime(2025, 6, 10, 12, 0, tzinfo=dt.UTC)
    assert retry_after(response, lambda: noon) == 30
    assert retry_after(response, lambda: noon + dt.timedelta(hours=1)) == 0  # already past
    response.headers["Retry-After"] = "nan"
    assert retry_after(response, lambda: noon) is None


def test_status_fail_is_an_error_with_fullbays_message(fake):
    fake.faults.append("fail")
    with pytest.raises(FullbayError, match="Service temporarily disabled"):
        client_for(fake).page(START, START, 1)


def test_bad_credentials_are_an_auth_error(fake):
    with pytest.raises(FullbayAuthError, match="Invalid key or token"):
        client_for(fake, key="wrong-key").page(START, START, 1)
    fake.faults.append("401")
    with pytest.raises(FullbayAuthError, match="401"):
        client_for(fake).page(START, START, 1)
    with pytest.raises(FullbayAuthError, match="FULLBAY_API_KEY and FULLBAY_PUBLIC_IP not set"):
        FullbayClient(base_url=fake.url, key="", public_ip="").page(START, START, 1)


@pytest.mark.django_db
def test_fetch_ingests_a_window_as_one_run(fake, generated):
    run = invoices_fetch(start=START, end=END, client=client_for(fake))
    assert (run.trigger, run.status, run.fetched, run.processed) == ("api", "succeeded", 60, 60)
    assert RawInvoice.objects.count() == 60
    again = invoices_fetch(start=START, end=END, client=client_for(fake))
    assert (again.skipped, again.processed) == (60, 0)


@pytest.mark.django_db
def test_fetch_failing_midway_leaves_a_failed_run(fake):
    fake.faults.extend([None, "500", "500", "500", "500"])  # page 1 fine, page 2 never
    with pytest.raises(FullbayError):
        invoices_fetch(start=START, end=END, client=client_for(fake))
    run = IngestRun.objects.get()
    assert run.status == RunStatus.FAILED and "HTTP 500" in run.error and run.fetched == 10


@pytest.mark.django_db
def test_command_from_api_and_morning_schedule(fake, generated):
    with override_settings(
        FULLBAY_BASE_URL=fake.url, FULLBAY_API_KEY=fake.key, FULLBAY_PUBLIC_IP=fake.ip
    ):
        with time_machine.travel(dt.datetime(2025, 6, 10, 12, 0, tzinfo=dt.UTC), tick=False):
            call_command(
                "ingest_invoices",
                "--from-api",
                "--start",
                "2025-05-01",
                "--end",
                "2025-05-02",
                "--json",
            )
            assert IngestRun.objects.get().processed == 6
        # The schedule's task pulls yesterday (2025-05-03 here, local time).
        with time_machine.travel(dt.datetime(2025, 5, 4, 12, 0, tzinfo=dt.UTC), tick=False):
            fake.today = dt.date(2025, 5, 4)
            from invoices.tasks import invoices_pull_yesterday

            run = IngestRun.objects.get(pk=invoices_pull_yesterday())
    assert (run.trigger, run.source, run.processed) == (
        "schedule",
        "Fullbay 2025-05-03..2025-05-03",
        3,
    )


def _pull_on_the_morning_of(fake, day: dt.date) -> IngestRun:
    from invoices.tasks import invoices_pull_yesterday

    with time_machine.travel(dt.datetime.combine(day, dt.time(12), dt.UTC), tick=False):
        fake.today = day
        return IngestRun.objects.get(pk=invoices_pull_yesterday())


@pytest.mark.django_db
def test_the_morning_schedule_makes_up_for_the_days_no_pull_covered(fake):
    """3 invoices a day. The pull of 4 May covers the 3rd; the cluster is stopped on the
    5th and 6th (and a pull by hand failed): the 7th pulls the 4th to the 6th. Pulled
    again the same morning, yesterday alone, unchanged. Three weeks later, at most the
    last 14 days."""
    with override_settings(
        FULLBAY_BASE_URL=fake.url, FULLBAY_API_KEY=fake.key, FULLBAY_PUBLIC_IP=fake.ip
    ):
        first = _pull_on_the_morning_of(fake, dt.date(2025, 5, 4))
        IngestRun.objects.create(
            trigger="api", status=RunStatus.FAILED, window_start=dt.date(2025, 5, 4),
            window_end=dt.date(2025, 5, 6),
        )  # fmt: skip
        caught_up = _pull_on_the_morning_of(fake, dt.date(2025, 5, 7))
        again = _pull_on_the_morning_of(fake, dt.date(2025, 5, 7))
        late = _pull_on_the_morning_of(fake, dt.date(2025, 5, 28))
    windows = [(r.window_start.isoformat(), r.window_end.isoformat(), r.processed, r.skipped)
               for r in (first, caught_up, again, late)]  # fmt: skip
    assert windows == [
        ("2025-05-03", "2025-05-03", 3, 0),
        ("2025-05-04", "2025-05-06", 9, 0),
        ("2025-05-06", "2025-05-06", 0, 3),
        ("2025-05-14", "2025-05-27", 3 * 7, 0),  # 14 days; the fake holds invoices to the 20th
    ]


@pytest.mark.django_db
def test_the_window_migration_reads_the_earlier_runs_windows_from_their_source():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("invoices.migrations.0015_ingest_run_window")
    pulled = IngestRun.objects.create(trigger="schedule", source="Fullbay 2025-05-01..2025-05-07")
    files = IngestRun.objects.create(trigger="file", source="/data/Fullbay 2025.json")
    migration.windows_from_sources(apps, None)
    pulled.refresh_from_db(), files.refresh_from_db()
    assert (pulled.window_start, pulled.window_end) == (dt.date(2025, 5, 1), dt.date(2025, 5, 7))
    assert (files.window_start, files.window_end) == (None, None)


@pytest.mark.django_db
def test_morning_schedule_exists_once_with_next_run():
    schedule = Schedule.objects.get(func="invoices.tasks.invoices_pull_yesterday")
    assert schedule.schedule_type == Schedule.CRON and schedule.next_run is not None


@pytest.mark.django_db
def test_schedule_migration_is_idempotent_by_name():
    import importlib

    from django.apps import apps

    migration = importlib.import_module("invoices.migrations.0004_morning_schedule")
    before = Schedule.objects.get(name=migration.NAME)
    migration.schedule_create(apps, None)
    migration.schedule_create(apps, None)
    after = Schedule.objects.get(name=migration.NAME)  # still exactly one
    assert after.pk == before.pk and after.next_run == before.next_run
    assert after.cron == "30 6 * * *"
