"""Paging a Fullbay window as a real API pages it: counts that lie or move, pages that drift."""

import datetime as dt
import itertools

import pytest

from invoices.fullbay import FullbayClient
from invoices.generator import FullbayGenerator
from invoices.models import IngestRun, RawInvoice
from invoices.services import invoices_fetch
from tests.invoices.fakefullbay import FakeFullbay

TODAY = dt.date(2025, 6, 10)
FIRST, LAST = dt.date(2025, 5, 1), dt.date(2025, 5, 3)  # one window: 24 invoices, 3 pages


@pytest.fixture(scope="module")
def window():
    return FullbayGenerator(5).invoices_between(FIRST, LAST, per_day=8)


@pytest.fixture
def fake(window):
    with FakeFullbay(invoices=window, today=TODAY, page_size=10) as server:
        yield server


def client_for(fake) -> FullbayClient:
    return FullbayClient(
        base_url=fake.url,
        key=fake.key,
        public_ip=fake.ip,
        timeout=1.5,
        retries=1,
        backoff=0.01,
        today=lambda: TODAY,
    )


def keys(invoices) -> list[str]:
    return sorted(str(invoice["primaryKey"]) for invoice in invoices)


def extra(n: int) -> dict:
    """An invoice of the window no one has seen yet."""
    return FullbayGenerator(6).invoice(900 + n, date=FIRST)


def too_many_requests(fake, envelope):
    """A client that never stops paging fails the test instead of hanging it."""
    if len(fake.requests) > 30:
        return {"status": "FAIL", "message": "the client kept paging"}
    return envelope


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda e: {**e, "totalPages": 0}, id="totalPages-0"),
        pytest.param(lambda e: {**e, "totalPages": "0"}, id="totalPages-string-0"),
        pytest.param(
            lambda e: {k: v for k, v in e.items() if k != "totalPages"}, id="no-totalPages"
        ),
        pytest.param(
            lambda e: {k: v for k, v in e.items() if k not in ("totalPages", "totalCount")},
            id="no-totals-at-all",
        ),
    ],
)
def test_a_total_of_pages_that_cannot_be_true_does_not_end_the_window_early(fake, window, tamper):
    fake.on_page = lambda page, envelope: too_many_requests(fake, tamper(envelope))
    assert keys(client_for(fake).invoices(FIRST, LAST)) == keys(window)


@pytest.mark.parametrize(
    "tamper",
    [
        pytest.param(lambda e: {k: v for k, v in e.items() if k != "currentPage"}, id="missing"),
        pytest.param(lambda e: {**e, "currentPage": str(e["currentPage"])}, id="string"),
        pytest.param(lambda e: {**e, "currentPage": 1}, id="stuck-at-1"),
    ],
)
def test_current_page_missing_a_string_or_wrong_changes_nothing(fake, window, tamper):
    fake.on_page = lambda page, envelope: too_many_requests(fake, tamper(envelope))
    assert keys(client_for(fake).invoices(FIRST, LAST)) == keys(window)
    assert [r["page"] for r in fake.requests] == ["1", "2", "3"]


def test_a_total_that_grows_between_pages_is_followed(fake, window):
    added = [extra(n) for n in range(8)]  # 32 invoices: a fourth page

    def grow(page, envelope):
        if page == 1:
            fake.invoices.extend(added)
        return envelope

    fake.on_page = grow
    assert keys(client_for(fake).invoices(FIRST, LAST)) == keys(window + added)


def test_a_total_that_overstates_ends_at_the_first_empty_page(fake, window):
    fake.on_page = lambda page, envelope: {**envelope, "totalPages": 6, "totalCount": 60}
    invoices = list(client_for(fake).invoices(FIRST, LAST))
    assert keys(invoices) == keys(window) and len(invoices) == len(window)
    assert [r["page"] for r in fake.requests[:4]] == ["1", "2", "3", "4"]  # 4: empty
    assert len(fake.requests) <= 8  # one more walk for the 36 missing, no more


def listed_first_after(fake, page_number: int, invoice: dict) -> None:
    """Once page ``page_number`` is served, ``invoice`` is added at the head of the listing."""

    def add_ahead(page, envelope):
        if page == page_number and invoice not in fake.invoices:
            fake.invoices.insert(0, invoice)
        return envelope

    fake.on_page = add_ahead


def test_an_invoice_added_while_paging_is_not_missed_and_none_comes_twice(fake, window):
    """Fullbay pages by offset: an invoice added ahead of the page being read pushes the
    last one of that page onto the next (read twice) and is itself on a page already read."""
    late = extra(1)
    listed_first_after(fake, 1, late)
    invoices = list(client_for(fake).invoices(FIRST, LAST))
    assert keys(invoices) == keys([late, *window])  # each once, the late one too


def test_an_invoice_dropped_while_paging_does_not_hide_the_next_one(fake, window):
    """One dropped from a page already read pulls the first of the next page onto it."""

    def drop_first(page, envelope):
        if page == 1 and fake.invoices[0] is window[0]:
            del fake.invoices[0]
        return envelope

    fake.on_page = drop_first
    assert keys(client_for(fake).invoices(FIRST, LAST)) == keys(window)


def test_a_listing_that_keeps_moving_is_walked_a_bounded_number_of_times(fake, window):
    added = iter(range(100))

    def always_moving(page, envelope):
        fake.invoices.insert(0, extra(next(added)))
        return envelope

    fake.on_page = always_moving
    invoices = list(client_for(fake).invoices(FIRST, LAST))
    assert set(keys(window)) <= set(keys(invoices)) and len(set(keys(invoices))) == len(invoices)
    assert len(fake.requests) < 20


def test_a_year_is_pulled_in_windows_fullbay_accepts(fake):
    """The fake refuses windows over 7 days as Fullbay does; a year is 53 windows of one page."""
    fake.invoices = []
    assert list(client_for(fake).invoices(dt.date(2024, 1, 1), dt.date(2024, 12, 31))) == []
    windows = [
        (dt.date.fromisoformat(r["startDate"]), dt.date.fromisoformat(r["endDate"]))
        for r in fake.requests
    ]
    assert len(windows) == 53 and all((b - a).days < 7 for a, b in windows)
    assert windows[0][0] == dt.date(2024, 1, 1) and windows[-1][1] == dt.date(2024, 12, 31)
    assert all(b + dt.timedelta(days=1) == c for (_, b), (c, _) in itertools.pairwise(windows))


@pytest.mark.django_db
def test_an_ingest_over_a_moving_listing_keeps_each_invoice_once_and_reruns_change_nothing(
    fake, window
):
    late = extra(2)
    listed_first_after(fake, 2, late)
    run = invoices_fetch(start=FIRST, end=LAST, client=client_for(fake))
    assert (run.fetched, run.processed, run.skipped) == (25, 25, 0)
    assert RawInvoice.objects.count() == 25
    again = invoices_fetch(start=FIRST, end=LAST, client=client_for(fake))
    assert (again.fetched, again.processed, again.skipped) == (25, 0, 25)
    assert RawInvoice.objects.count() == 25 and IngestRun.objects.count() == 2
