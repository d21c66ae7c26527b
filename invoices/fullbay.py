"""A client for Fullbay's ``getInvoices.php`` (requests).

``token`` = hex SHA-1 of ``key + today's date (YYYY-MM-DD) + public IP``; the key is
bound to the caller's static IP. "Today" is Fullbay's, in a zone it does not state: the UTC
date is tried first, the day either side after a refusal. Date windows are at most 7 days;
each window is paged to its last page, each invoice handed out once, walked again when the
listing moved while it was paged (``FullbayClient._window``). Timeouts (of a read, or of a
request's whole answer: its deadline), connection errors, 5xx and 429 answers and truncated
JSON or bodies are retried with exponential backoff, or after the wait a 429/5xx asks for
with ``Retry-After``, within a budget of waiting per page; ``status: FAIL`` and refused
credentials raise clear errors. The wire itself (the deadline, what is worth another
attempt, what went wrong in words, ``Retry-After``) is ``invoices.fullbay_http``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Generator, Iterator

import requests
from django.conf import settings

from invoices.fullbay_http import (
    TRANSIENT,
    DeadlineAdapter,
    deadline_get,
    finite_float,
    not_a_json_constant,
    not_json,
    redacted,
    retry_after,
    transport_problem,
)

log = logging.getLogger(__name__)
MAX_WINDOW_DAYS = 7
MAX_PAGES = 1000  # of one window: more is a server that ignores ``page``
MAX_WALKS = 3  # passes over a window whose listing moves while it is paged
SUCCESS = "SUCCESS"
# a FAIL whose message says one of these is about our credentials, not a passing fault
AUTH = re.compile(r"key|token|auth|credential|\bip\b|permission", re.IGNORECASE)
CHECK_CREDENTIALS = "check FULLBAY_API_KEY and FULLBAY_PUBLIC_IP."


class FullbayError(Exception):
    """Fullbay could not give us the invoices (after retries, or it said FAIL)."""


class FullbayAuthError(FullbayError):
    """Fullbay refused the key/token: check FULLBAY_API_KEY and FULLBAY_PUBLIC_IP."""


def fullbay_token(key: str, day: dt.date, public_ip: str) -> str:
    return hashlib.sha1(f"{key}{day:%Y-%m-%d}{public_ip}".encode()).hexdigest()


def date_windows(start: dt.date, end: dt.date, days: int = MAX_WINDOW_DAYS) -> list[tuple]:
    """``[start, end]`` cut into consecutive windows of at most ``days`` days."""
    if end < start:
        raise ValueError(f"end {end} is before start {start}")
    windows = []
    while start <= end:
        last = min(end, start + dt.timedelta(days=days - 1))
        windows.append((start, last))
        start = last + dt.timedelta(days=1)
    return windows


class FullbayClient:
    def __init__(
        self,
        *,
        base_url: str,
        key: str,
        public_ip: str,
        timeout: float | None = None,
        retries: int | None = None,
        backoff: float | None = None,
        deadline: float | None = None,
        max_wait: float = 300.0,
        today: Callable[[], dt.date] | None = None,
        clock: Callable[[], dt.datetime] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        session: requests.Session | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.url = self.base_url + "/services/getInvoices.php"
        self.key = key
        self.public_ip = public_ip
        # None: the setting (FULLBAY_TIMEOUT_SECONDS per read, FULLBAY_DEADLINE_SECONDS per
        # request, FULLBAY_RETRIES more attempts, FULLBAY_BACKOFF_SECONDS before the first of
        # them, doubling)
        self.timeout = settings.FULLBAY_TIMEOUT_SECONDS if timeout is None else timeout
        self.deadline = settings.FULLBAY_DEADLINE_SECONDS if deadline is None else deadline
        self.retries = settings.FULLBAY_RETRIES if retries is None else retries
        self.backoff = settings.FULLBAY_BACKOFF_SECONDS if backoff is None else backoff
        self.max_wait = max_wait  # seconds a page may spend waiting between its attempts
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        # The token's date is Fullbay's "today", in a zone no one states: the UTC date first
        # (what public Fullbay clients sign with), and after a refusal the day either side,
        # keeping the shift that worked (``day_shift``) for the pages after.
        self.today = today or (lambda: self.clock().date())
        self.day_shift = 0
        self.sleep = sleep
        self.session = session or requests.Session()
        self.session.mount(self.base_url + "/", DeadlineAdapter())
        self.requests_made = 0

    @classmethod
    def from_settings(cls, **kwargs) -> FullbayClient:
        return cls(
            base_url=settings.FULLBAY_BASE_URL,
            key=settings.FULLBAY_API_KEY or "",
            public_ip=settings.FULLBAY_PUBLIC_IP or "",
            **kwargs,
        )

    def invoices(self, start: dt.date, end: dt.date) -> Iterator[dict]:
        """Every invoice of ``[start, end]``, window by window, page by page, each once."""
        for first, last in date_windows(start, end):
            yield from self._window(first, last)

    def _window(self, first: dt.date, last: dt.date) -> Iterator[dict]:
        """A window's invoices, each once (again only if it changed in between).

        Fullbay pages by offset: an invoice added to the window (or dropped from it) while we
        page shifts the ones after it, so one comes on two pages and another, or the new one,
        on a page already read. A walk whose totals changed between its pages is followed by
        another for what it missed (up to ``MAX_WALKS``), and so, once, is a first walk that
        found fewer distinct invoices than its ``totalCount``.
        """
        sent: dict[str, str] = {}  # primaryKey → digest of the copy handed out
        for walk in range(1, MAX_WALKS + 1):
            moved, short = yield from self._walk(first, last, sent)
            if not moved and not (short and walk == 1):
                return
            log.info(
                "Fullbay %s..%s %s: walking it again",
                first,
                last,
                "moved while paged" if moved else "listed fewer invoices than its totalCount",
            )
        log.warning(
            "Fullbay %s..%s still moved after %s walks: keeping what they read",
            first,
            last,
            MAX_WALKS,
        )

    def _walk(self, first, last, sent: dict) -> Generator[dict, None, tuple[bool, bool]]:
        """One pass over a window's pages, handing out what ``sent`` does not hold yet.

        Returns whether the totals moved between its pages and whether it saw fewer distinct
        invoices than ``totalCount``. The page number is ours: ``currentPage`` (missing, a
        string, wrong) is not needed to know which page came. ``totalPages`` ends the walk
        when it can be true (at least this page, which has invoices), else
        ``ceil(totalCount / pageSize)`` does, else a short page or one with nothing new; an
        empty page always does.
        """
        seen: set[str] = set()
        totals = None
        moved = False
        page_size = 0
        for page in range(1, MAX_PAGES + 1):
            data = self.page(first, last, page)
            rows = data.get("resultSet") or []
            count = _int(data.get("totalCount"), None)
            moved |= totals is not None and totals != (count, _int(data.get("totalPages"), None))
            totals = (count, _int(data.get("totalPages"), None))
            before = len(seen)
            for invoice in rows:
                key, digest = _identity(invoice)
                seen.add(key)
                if sent.get(key) != digest:
                    sent[key] = digest
                    yield invoice
            short = count is not None and len(seen) < count
            if not rows:
                return moved, short
            page_size = _int(data.get("pageSize"), 0) or page_size or len(rows)
            pages = _int(data.get("totalPages"), 0)
            if pages < page and count:
                pages = -(-count // page_size)
            if pages >= page:
                if page == pages:
                    return moved, short
            elif len(rows) < page_size or len(seen) == before:
                return moved, short
        raise FullbayError(
            f"Fullbay getInvoices {first}..{last}: more than {MAX_PAGES} pages; "
            "does it ignore the page parameter?"
        )

    def page(self, start: dt.date, end: dt.date, page: int) -> dict:
        """One page; a refused token is tried again with the day either side of ours."""
        self._configured()
        try:
            return self._page(start, end, page, self.day_shift)
        except FullbayAuthError as refused:
            others = [shift for shift in (0, -1, 1) if shift != self.day_shift]
            for shift in others:
                try:
                    data = self._page(start, end, page, shift)
                except FullbayAuthError:
                    continue
                log.info("Fullbay took the token of our date %+d day(s): signing with it", shift)
                self.day_shift = shift
                return data
            tried = ", ".join(f"{self.today() + dt.timedelta(days=s):%Y-%m-%d}" for s in others)
            raise FullbayAuthError(
                f"{refused} (refused with the token of {tried} too): {CHECK_CREDENTIALS}"
            ) from None

    def _configured(self) -> None:
        """Checked at the first call, not at construction: the run that needed Fullbay
        exists by then and ends failed with this message (the morning schedule too)."""
        missing = [name for name, value in (("FULLBAY_API_KEY", self.key),
                   ("FULLBAY_PUBLIC_IP", self.public_ip)) if not value]  # fmt: skip
        if missing:
            raise FullbayAuthError(
                f"Fullbay cannot be called: {' and '.join(missing)} not set (the API key "
                "comes from Fullbay and is bound to the public IP FleetOps calls from)."
            )

    def _page(self, start: dt.date, end: dt.date, page: int, day_shift: int) -> dict:
        params = {
            "key": self.key,
            "token": "",
            "startDate": f"{start:%Y-%m-%d}",
            "endDate": f"{end:%Y-%m-%d}",
            "page": page,
        }
        where = f"getInvoices {start}..{end} page {page}"
        last_problem = ""
        waited, asked = 0.0, None
        for attempt in range(self.retries + 1):
            if attempt:
                wait = self.backoff * 2 ** (attempt - 1) if asked is None else asked
                if waited + wait > self.max_wait:
                    # retrying before the server allows it would only spend the attempts
                    raise FullbayError(
                        f"Fullbay {where}: {last_problem}: another {wait:g} s would pass the "
                        f"{self.max_wait:g} s this client waits for a page ({waited:g} s so "
                        "far); giving up."
                    )
                self.sleep(wait)
                waited += wait
            asked = None
            # signed at each attempt: a retry after midnight carries the new day's token
            day = self.today() + dt.timedelta(days=day_shift)
            params["token"] = fullbay_token(self.key, day, self.public_ip)
            self.requests_made += 1
            try:
                response = deadline_get(self.session, self.url, params=params,
                                        timeout=self.timeout, deadline=self.deadline)  # fmt: skip
            except TRANSIENT as exc:
                last_problem = transport_problem(
                    exc, url=self.url, timeout=self.timeout, params=params
                )
                log.warning("Fullbay %s: %s (attempt %s)", where, last_problem, attempt + 1)
                continue
            if response.status_code in (401, 403):
                raise FullbayAuthError(
                    f"Fullbay refused the credentials ({response.status_code}) for {where}"
                )
            if response.status_code >= 500 or response.status_code == 429:
                last_problem = f"HTTP {response.status_code}"
                asked = retry_after(response, self.clock)
                if asked is not None:
                    last_problem += f" (Retry-After {asked:g} s)"
                log.warning("Fullbay %s: %s (attempt %s)", where, last_problem, attempt + 1)
                continue
            if response.status_code >= 400:
                problem = f"Fullbay answered HTTP {response.status_code} for {where}"
                if response.status_code == 404:  # no getInvoices.php there
                    problem += f": check FULLBAY_BASE_URL ({self.base_url})"
                raise FullbayError(f"{problem}.")
            try:
                # 1e400: its digits; NaN: not JSON, as in a file
                data = response.json(parse_float=finite_float, parse_constant=not_a_json_constant)
            except ValueError as exc:
                last_problem = redacted(not_json(response, exc), params)
                log.warning("Fullbay %s: %s (attempt %s)", where, last_problem, attempt + 1)
                continue
            return _checked(data, where, params)
        raise FullbayError(
            f"Fullbay {where} failed after {self.retries + 1} attempts: {last_problem}"
        )


def envelope_status(data: dict) -> str:
    """A getInvoices response's status as every reader compares it: stripped, upper case.

    Anything but ``SUCCESS`` holds no invoices to take (the API client and the file loader
    both refuse it).
    """
    return str(data.get("status", "")).strip().upper()


def _checked(data, where: str, params: dict) -> dict:
    if not isinstance(data, dict):
        raise FullbayError(f"Fullbay {where}: expected a JSON object, got {type(data).__name__}.")
    status = envelope_status(data)
    if status == "FAIL":
        message = redacted(str(data.get("message") or "no message"), params)
        if AUTH.search(message):
            raise FullbayAuthError(f"Fullbay refused {where}: {message}")
        raise FullbayError(f"Fullbay answered FAIL for {where}: {message}")
    if status != SUCCESS:
        raise FullbayError(f"Fullbay {where}: unexpected status {data.get('status')!r}.")
    if not isinstance(data.get("resultSet", []), list):
        raise FullbayError(f"Fullbay {where}: resultSet is not a list.")
    return data


def _identity(invoice) -> tuple[str, str]:
    """``(primaryKey, digest)`` of a listed invoice; one without a key goes by its digest."""
    digest = hashlib.sha1(json.dumps(invoice, sort_keys=True, default=str).encode()).hexdigest()
    key = invoice.get("primaryKey") if isinstance(invoice, dict) else None
    return (f"#{digest}" if key in (None, "") else str(key)), digest


def _int(value, default: int | None) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
