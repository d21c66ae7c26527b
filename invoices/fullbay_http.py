"""The HTTP side of the Fullbay client (``invoices.fullbay``): a deadline for each request as
a whole, which faults on the wire are worth another attempt, what went wrong in words a clerk
can act on, the wait a busy server asks for with ``Retry-After``, and the key and token kept
out of messages and logs.

requests' ``timeout`` bounds each read, not the request: a server that trickles a few bytes
at a time (headers or body) never trips it and holds a pull until the task is killed.
``deadline_get`` bounds the whole request, headers and body: a timer shuts the request's
socket down when its deadline passes, which ends any read under way at once (one passed while
connecting, itself bounded by the per-read timeout, ends it as soon as it is connected), and
the request fails with ``DeadlineExceeded``, a ``requests.Timeout`` retried like the others.
The sockets are known through urllib3's ``ConnectionCls`` (``DeadlineAdapter``); a SOCKS
proxy's connections are not, and keep the per-read timeout only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import math
import re
import socket
import threading
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from urllib.parse import quote, quote_plus, urlparse

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool


class DeadlineExceeded(requests.Timeout):
    """No complete answer within the request's deadline (however steadily it trickled)."""

    def __init__(self, seconds: float):
        super().__init__(f"no complete answer within {seconds:g} s")
        self.seconds = seconds


class _Deadline:
    """While entered, the current thread's request: at ``seconds`` the sockets it uses are
    shut down (not once it is over: a kept-alive connection may serve the next request)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.passed = False
        self._over = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        _current.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        _current.deadline = None
        self._timer.cancel()
        with self._lock:
            self._over = True

    def watch(self, connection: HTTPConnection) -> None:
        # its socket now: http.client lets go of it (``sock = None``) when the answer says
        # the connection closes after it, while the body is still read through it
        if (sock := getattr(connection, "sock", None)) is None:
            return  # not connected yet: ``connect`` comes back here
        with self._lock:
            self._sockets.append(sock)
            if self.passed and not self._over:  # it passed while the connection was made
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            if self._over:
                return
            self.passed = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    # the plain socket's shutdown, also under TLS: a read blocked in another thread returns
    # at once (end of stream), which requests reports as a broken connection
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


_current = threading.local()  # the deadline of the request this thread is making


class _Watched:
    """A urllib3 connection that puts itself under the current request's deadline."""

    def connect(self) -> None:
        super().connect()
        if deadline := getattr(_current, "deadline", None):
            deadline.watch(self)

    def request(self, *args, **kwargs) -> None:
        if deadline := getattr(_current, "deadline", None):
            deadline.watch(self)  # a kept-alive connection: connect() is not called again
        super().request(*args, **kwargs)


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter, its connections under ``deadline_get``'s deadline."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _POOLS
        return manager


def deadline_get(
    session: requests.Session, url: str, *, params: dict, timeout: float, deadline: float
) -> requests.Response:
    """``session.get`` (body read whole) that fails with ``DeadlineExceeded`` when it has no
    complete answer within ``deadline`` seconds. ``session`` needs a ``DeadlineAdapter``
    mounted for ``url``; an answer complete just as the deadline passes is kept."""
    with _Deadline(deadline) as watch:
        try:
            return session.get(url, params=params, timeout=timeout)
        except requests.RequestException as exc:
            if watch.passed:
                raise DeadlineExceeded(deadline) from exc
            raise


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
    if isinstance(exc, DeadlineExceeded):
        return text
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


def finite_float(text: str) -> float | str:
    """A JSON number as a float, or its text when a float cannot hold it: ``1e400`` is valid
    JSON but infinity as a float, which no JSON column stores (SQLite's conflict-ignoring
    insert dropped the invoice, PostgreSQL kept null). As text it is read as an amount
    like any numeric string: its invoice fails "out of range", kept raw with the digits."""
    value = float(text)
    return value if math.isfinite(value) else text


def not_a_json_constant(constant: str):
    """Python reads NaN/Infinity; JSON (and PostgreSQL's json type) does not, and on SQLite
    the row holding one was dropped: a file or answer with one is not JSON."""
    raise json.JSONDecodeError(f"{constant} is not a JSON value", constant, 0)


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
