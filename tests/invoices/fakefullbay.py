"""A small fake Fullbay on loopback (stdlib http.server in a thread) for client tests.

Serves ``/services/getInvoices.php`` from a list of invoices (filtered by invoiceDate,
paged), checks key and token like Fullbay, and misbehaves on demand: queue faults with
``server.faults.append("slow" | "500" | "502" | "html" | "429" | "503" | "truncated" | "fail"
| "401" | "cut" | "reset" | "stall" | "trickle" | "trickle-headers")``; each request consumes
one ("html": a maintenance page with status 200; "502": a proxy's error page). "429" and "503"
carry ``server.busy_headers`` (``Retry-After``, and a ``Date`` to stand for the server's
clock). "truncated" sends half a body as if it were whole; "cut" and "reset" promise the whole
body (Content-Length) and end the connection halfway through it, with a FIN or a TCP reset;
"stall" goes silent there for ``slow_seconds``. "trickle" sends the headers, then the body
``trickle_bytes`` at a time every ``trickle_seconds``: each read gets something well within
any timeout, and the whole answer takes seconds or minutes; "trickle-headers" trickles the
status line and headers too.

``server.on_page(page, envelope)`` sees each page before it is sent and returns the envelope
to send: it may rewrite the envelope's counts, or change ``server.invoices`` (its own copy)
to move the listing under a client that is paging through it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import socket
import struct
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from invoices.fullbay import fullbay_token
from invoices.generator import response_page

PROXY_PAGE = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
MAINTENANCE_PAGE = (
    b"<!DOCTYPE html>\n<html><head>\n<title>Fullbay - Scheduled Maintenance</title></head>"
    b"<body><h1>We'll be back shortly</h1></body></html>"
)


class FakeFullbay:
    def __init__(
        self,
        *,
        invoices,
        key="test-key",
        ip="203.0.113.7",
        today=None,
        page_size=10,
        slow_seconds=1.0,
        trickle_bytes=4,
        trickle_seconds=0.02,
    ):
        self.invoices = list(invoices)
        self.key = key
        self.ip = ip
        self.today = today or dt.date.today()
        self.page_size = page_size
        self.slow_seconds = slow_seconds
        self.trickle_bytes = trickle_bytes
        self.trickle_seconds = trickle_seconds
        self.stopped = threading.Event()
        self.faults: list[str] = []
        self.busy_headers: dict[str, str] = {}
        self.on_page = None
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                fake.handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()  # ends the trickles of clients that are still there
        self.server.shutdown()
        self.server.server_close()

    def handle(self, handler: BaseHTTPRequestHandler) -> None:
        parsed = urlparse(handler.path)
        params = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        self.requests.append(params)
        fault = self.faults.pop(0) if self.faults else None
        if parsed.path != "/services/getInvoices.php":
            return self._send(handler, 404, b"not found")
        if fault == "slow":
            time.sleep(self.slow_seconds)
        if fault == "500":
            return self._send(handler, 500, b"<html>Internal Server Error</html>")
        if fault == "502":  # what a proxy in front of Fullbay says
            return self._send(handler, 502, PROXY_PAGE)
        if fault == "html":  # a maintenance page, served with 200
            return self._send(handler, 200, MAINTENANCE_PAGE)
        if fault in ("429", "503"):
            return self._send(handler, int(fault), b"busy", headers=self.busy_headers)
        if fault == "401":
            return self._send(handler, 401, b"unauthorized")
        if fault == "fail":
            return self._json(
                handler, {"status": "FAIL", "message": "Service temporarily disabled"}
            )
        expected = fullbay_token(self.key, self.today, self.ip)
        if params.get("key") != self.key or params.get("token") != expected:
            return self._json(handler, {"status": "FAIL", "message": "Invalid key or token."})
        start = dt.date.fromisoformat(params["startDate"])
        end = dt.date.fromisoformat(params["endDate"])
        if (end - start).days >= 7:
            return self._json(handler, {"status": "FAIL", "message": "Date range over 7 days."})
        chosen = [
            inv
            for inv in self.invoices
            if start <= dt.date.fromisoformat(inv["invoiceDate"]) <= end
        ]
        page = int(params.get("page", 1))
        envelope = response_page(chosen, page=page, page_size=self.page_size)
        if self.on_page:
            envelope = self.on_page(page, envelope)
        body = json.dumps(envelope).encode()
        if fault == "truncated":
            body = body[: len(body) // 2]
        if fault in ("cut", "reset", "stall"):
            return self._send_half(handler, body, end=fault, stall=self.slow_seconds)
        if fault in ("trickle", "trickle-headers"):
            return self._trickle(handler, body, headers_too=fault == "trickle-headers")
        self._send(handler, 200, body, "application/json")

    def _json(self, handler, data):
        self._send(handler, 200, json.dumps(data).encode(), "application/json")

    @staticmethod
    def _send_half(handler, body, *, end, stall):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body[: len(body) // 2])
        handler.close_connection = True
        sock = handler.connection
        if end == "stall":  # silent, then gone: the client's read timeout has to notice
            time.sleep(stall)
        if end == "reset":  # close with SO_LINGER 0: the kernel answers with RST, not FIN
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()
        else:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _trickle(self, handler, body, *, headers_too):
        head = (
            f"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        sock = handler.connection
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # each piece as it is sent
        handler.close_connection = True
        if not headers_too:
            sock.sendall(head)
        data = head + body if headers_too else body
        for at in range(0, len(data), self.trickle_bytes):
            if self.stopped.wait(self.trickle_seconds):
                return
            try:
                sock.sendall(data[at : at + self.trickle_bytes])
            except OSError:  # the client gave up: its deadline
                return

    @staticmethod
    def _send(handler, status, body, content_type="text/html", headers=None):
        handler.send_response_only(status)
        for name, value in {"Date": handler.date_time_string(), **(headers or {})}.items():
            handler.send_header(name, value)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        # the client may have given up first (its timeout, under test): nothing to answer
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.wfile.write(body)
