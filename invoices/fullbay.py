"""A client for Fullbay's ``getInvoices.php`` (requests).

``token`` = hex SHA-1 of ``key + today's date (YYYY-MM-DD) + public IP``; the key is
bound to the caller's static IP. "Today" is Fullbay's, in a zone it does not state: the UTC
date is tried first, the day either side after a refusal. Date windows are at most 7 days;
each window is paged to its last page, each invoice handed out once, walked again when the
listing moved while it was paged (``FullbayClient._window``). Timeouts, connection errors,
5xx and 429 answers and truncated JSON or bodies are retried with exponential backoff, or
after the wait a 429/5xx asks for with ``Retry-After``, within a budget of waiting per page;
``status: FAIL`` and refused credentials raise clear errors.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import math
import re
import time
from collections.abc import Callable, Generator, Iterator
from email.utils import parsedate_to_datetime
from urllib.parse import quote, quote_plus, urlparse

import requests

log = logging.getLogger(__name__)
MAX_WINDOW_DAYS = 7
MAX_PAGES = 1000  # of one window: more is a server that ignores ``page``
MAX_WALKS = 3  # passes over a window whose listing moves while it is paged
SUCCESS = "SUCCESS"
# a FAIL whose message says one of these is about our credentials, not a passing fault
AUTH = re.compile(r"key|token|auth|credential|\bip\b|permission", re.IGNORECASE)
CHECK_CREDENTIALS = "check FULLBAY_API_KEY and FULLBAY_PUBLIC_IP."
# Worth another attempt: no answer in time, no connection, or one that broke off in the middle
# of its body (requests reads the body inside ``get``: a FIN or reset before Content-Length is
# reached is a ChunkedEncodingError, a damaged gzip stream a ContentDecodingError, and neither
# is a ConnectionError).
TRANSIENT = (
    requests.Timeout,
    requests.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)


class _RequestLineRedacted(logging.Filter):
    """urllib3 logs each request line at DEBUG, query string included: the ``key`` and
    ``token`` of getInvoices would reach the logs whenever ``LOG_LEVEL=DEBUG``."""

    SECRET = re.compile(r"([?&](?:key|token)=)[^&\s\"]*")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "getInvoices.php" in message:
            record.msg, record.args = self.SECRET.sub(r"\1<redacted>", message), ()
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_RequestLineRedacted())


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
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 1.0,
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
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_wait = max_wait  # seconds a page may spend waiting between its attempts
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))
        # The token's date is Fullbay's "today", in a zone no one states: the UTC date first
        # (what public Fullbay clients sign with), and after a refusal the day either side,
        # keeping the shift that worked (``day_shift``) for the pages after.
        self.today = today or (lambda: self.clock().date())
        self.day_shift = 0
        self.sleep = sleep
        self.session = session or requests.Session()
        self.requests_made = 0

    @classmethod
    def from_settings(cls, **kwargs) -> FullbayClient:
        from django.conf import settings

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
                response = self.session.get(self.url, params=params, timeout=self.timeout)
            except TRANSIENT as exc:
                last_problem = self._transport_problem(exc, params)
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
                data = response.json()
            except ValueError as exc:
                last_problem = _redacted(_not_json(response, exc), params)
                log.warning("Fullbay %s: %s (attempt %s)", where, last_problem, attempt + 1)
                continue
            return _checked(data, where, params)
        raise FullbayError(
            f"Fullbay {where} failed after {self.retries + 1} attempts: {last_problem}"
        )

    def _transport_problem(self, exc: Exception, params: dict) -> str:
        """What went wrong on the wire, in words: requests' own text is a chain of reprs
        (pool, connection object, address) holding the URL, key and token included."""
        text = str(exc)
        host = urlparse(self.url).netloc
        if isinstance(exc, requests.Timeout) or "timed out" in text.lower():
            if isinstance(exc, requests.ConnectTimeout):
                return f"cannot connect to {host} (no connection within {self.timeout:g} s)"
            return f"no answer within {self.timeout:g} s"
        if isinstance(exc, requests.exceptions.ContentDecodingError):
            return "the answer's compressed body is damaged"
        broke_off = ("IncompleteRead", "Connection broken", "Connection aborted")
        if isinstance(exc, requests.exceptions.ChunkedEncodingError) or any(
            word in text for word in broke_off
        ):
            return "the connection broke off in the middle of the answer"
        detail = _redacted(f"{type(exc).__name__}: {text}", params)
        if reason := re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text):
            # requests' own text follows for whoever debugs the network (key and token out)
            return f"cannot connect to {host} ({reason.group(1).strip()}); {detail}"
        return detail


def _not_json(response: requests.Response, exc: ValueError) -> str:
    """Why an answer is not the JSON asked for: one cut short, or a page meant for people
    (a maintenance page, a proxy's error), named by its title or first words."""
    text = response.text.strip()
    if text[:1] in ("{", "["):
        return f"the JSON answer is cut short or damaged ({exc})"
    title = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    words = " ".join(re.sub(r"<[^>]*>", " ", title.group(1) if title else text).split())
    kind = response.headers.get("Content-Type", "no Content-Type").split(";")[0].strip()
    return (
        f"the answer is not JSON ({kind}: {words[:80]!r})" if words else f"an empty {kind} answer"
    )


def retry_after(response: requests.Response, clock: Callable[[], dt.datetime]) -> float | None:
    """The seconds a response's ``Retry-After`` asks for (delay-seconds or an HTTP date), or
    None when it has none we can read. A date counts from the response's own ``Date`` (the
    server's clock; ours when it has none): a skewed local clock does not stretch the wait."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        when = _http_date(value)
        if when is None:
            return None
        seconds = (when - (_http_date(response.headers.get("Date", "")) or clock())).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _http_date(value: str) -> dt.datetime | None:
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


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
        message = _redacted(str(data.get("message") or "no message"), params)
        if AUTH.search(message):
            raise FullbayAuthError(f"Fullbay refused {where}: {message}")
        raise FullbayError(f"Fullbay answered FAIL for {where}: {message}")
    if status != SUCCESS:
        raise FullbayError(f"Fullbay {where}: unexpected status {data.get('status')!r}.")
    if not isinstance(data.get("resultSet", []), list):
        raise FullbayError(f"Fullbay {where}: resultSet is not a list.")
    return data


def _redacted(text: str, params: dict) -> str:
    """``text`` without the request's key and token (as sent or URL-encoded): an error
    message ends up in logs, the run row and the command's output."""
    for name in ("key", "token"):
        secret = str(params[name])
        for spelling in {secret, quote_plus(secret), quote(secret, safe="")}:
            if spelling:
                text = text.replace(spelling, f"<{name}>")
    return text


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
