"""The HTTP side of the Fullbay client (``invoices.fullbay``): which faults on the wire are
worth another attempt, what went wrong in words a clerk can act on, the wait a busy server
asks for with ``Retry-After``, and the key and token kept out of messages and logs.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import re
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from urllib.parse import quote, quote_plus, urlparse

import requests

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


def transport_problem(exc: Exception, *, url: str, timeout: float, params: dict) -> str:
    """What went wrong on the wire, in words: requests' own text is a chain of reprs
    (pool, connection object, address) holding the URL, key and token included."""
    text = str(exc)
    host = urlparse(url).netloc
    if isinstance(exc, requests.Timeout) or "timed out" in text.lower():
        if isinstance(exc, requests.ConnectTimeout):
            return f"cannot connect to {host} (no connection within {timeout:g} s)"
        return f"no answer within {timeout:g} s"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "the answer's compressed body is damaged"
    broke_off = ("IncompleteRead", "Connection broken", "Connection aborted")
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or any(
        word in text for word in broke_off
    ):
        return "the connection broke off in the middle of the answer"
    detail = redacted(f"{type(exc).__name__}: {text}", params)
    if reason := re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", text):
        # requests' own text follows for whoever debugs the network (key and token out)
        return f"cannot connect to {host} ({reason.group(1).strip()}); {detail}"
    return detail


def not_json(response: requests.Response, exc: ValueError) -> str:
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


def redacted(text: str, params: dict) -> str:
    """``text`` without the request's key and token (as sent or URL-encoded): an error
    message ends up in logs, the run row and the command's output."""
    for name in ("key", "token"):
        secret = str(params[name])
        for spelling in {secret, quote_plus(secret), quote(secret, safe="")}:
            if spelling:
                text = text.replace(spelling, f"<{name}>")
    return text
