"""Streamed answers for the local stand-ins (standard library only).

`StreamingServer` is a `jsonhttp.StandinServer` (same `route`, `start`, `base_url` and `stop`, so
`serve_until_interrupted` runs it) that also takes *exchange routes*: handlers given the live
connection as an `Exchange`, which can answer a whole body, stream a body over time or hold the
connection open saying nothing. It speaks HTTP/1.1: a streamed body is `transfer-encoding: chunked`
with one socket write per chunk, so workerd (or any client) reads it as it comes. Every answer says
`connection: close`, like jsonhttp's. A client that went away is noticed on every write
(BrokenPipeError, ConnectionResetError) and, while the handler waits, by `Exchange.wait`.
Request bodies may be sent with content-length or chunked.
"""

from __future__ import annotations

import json
import re
import select
import socket
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BufferedIOBase
from typing import Any
from urllib.parse import parse_qs, urlsplit

from scripts.standins.jsonhttp import StandinRequest, StandinServer, json_reply

ExchangeHandler = Callable[["Exchange"], None]
CLIENT_GONE_ERRORS = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)
NO_BODY_STATUSES = frozenset({204, 304})
IDLE_POLL_SECONDS = 0.1
STOP_POLL_SECONDS = 0.05


def compile_path(path: str) -> re.Pattern[str]:
    """`/a/{name}` matches one segment as `name`; `/a/{rest*}` matches the rest, slashes and all."""
    parts = re.split(r"\{(\w+\*?)\}", path)
    regex = ""
    for i, part in enumerate(parts):
        if i % 2 == 0:
            regex += re.escape(part)
        elif part.endswith("*"):
            regex += f"(?P<{part[:-1]}>.*)"
        else:
            regex += f"(?P<{part}>[^/]+)"
    return re.compile(f"^{regex}$")


def read_chunked(stream: BufferedIOBase) -> bytes:
    """A `transfer-encoding: chunked` request body, trailers skipped."""
    parts: list[bytes] = []
    while True:
        size = int(stream.readline(65537).split(b";", 1)[0].strip() or b"0", 16)
        if size == 0:
            while stream.readline(65537) not in (b"\r\n", b"\n", b""):
                pass
            return b"".join(parts)
        parts.append(stream.read(size))
        stream.readline()


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if "chunked" in (handler.headers.get("transfer-encoding") or "").lower():
        return read_chunked(handler.rfile)
    length = int(handler.headers.get("content-length") or 0)
    return handler.rfile.read(length) if length else b""


def lower_headers(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Header names lower-cased; a repeated header's values joined with ", "."""
    headers: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return headers


def peer_closed(connection: socket.socket) -> bool:
    """True when the client has closed its side (the socket reads as end of file or was reset)."""
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except CLIENT_GONE_ERRORS:
        return True
    except BlockingIOError:
        return False


class Exchange:
    """One request and the connection to answer it on."""

    def __init__(self, handler: BaseHTTPRequestHandler, body: bytes, stopping: threading.Event) -> None:
        parts = urlsplit(handler.path)
        self.method = handler.command
        self.target = handler.path
        self.path = parts.path
        self.query_string = parts.query
        self.query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = lower_headers(list(handler.headers.items()))
        self.body = body
        self.params: dict[str, str] = {}
        self.received_at = time.time()
        self.client_gone = False
        self.answer_started = False
        self._handler = handler
        self._stopping = stopping

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    def reply(self, status: int, headers: dict[str, str], body: bytes = b"") -> bool:
        """A whole answer with a content-length; False when the client was gone."""
        if status in NO_BODY_STATUSES:
            return self._send_head(status, headers)
        sent = self._send_head(status, {**headers, "content-length": str(len(body))})
        return sent and (self.method == "HEAD" or self._write(body))

    def reply_json(self, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> bool:
        code, json_headers, body = json_reply(data, status)
        return self.reply(code, {**json_headers, **(headers or {})}, body)

    def start_stream(self, status: int, headers: dict[str, str]) -> bool:
        """The status line and headers of a chunked answer, sent at once."""
        return self._send_head(status, {**headers, "transfer-encoding": "chunked"})

    def send_chunk(self, data: bytes) -> bool:
        """One chunk, written and flushed now; False once the client is gone."""
        if not data:  # an empty chunk would end the body
            return not self.client_gone
        return self._write(b"%x\r\n%s\r\n" % (len(data), data))

    def end_stream(self) -> bool:
        return self._write(b"0\r\n\r\n")

    def wait(self, seconds: float) -> bool:
        """Pause up to `seconds`; False as soon as the client hangs up or the server stops."""
        deadline = time.monotonic() + seconds
        connection = self._handler.connection
        while not self.client_gone and (remaining := deadline - time.monotonic()) > 0:
            if self._stopping.is_set():
                return False
            readable, _, _ = select.select([connection], [], [], min(remaining, IDLE_POLL_SECONDS))
            if readable and peer_closed(connection):
                self.client_gone = True
            elif readable:  # the client sent more: nothing to watch, just wait
                self._stopping.wait(remaining)
        return not self.client_gone and not self._stopping.is_set()

    def _send_head(self, status: int, headers: dict[str, str]) -> bool:
        handler = self._handler
        self.answer_started = True
        try:
            handler.send_response(status)
            # Local dev tools: the dashboard (another origin) may call them from the browser.
            handler.send_header("access-control-allow-origin", "*")
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("connection", "close")
            handler.end_headers()
        except CLIENT_GONE_ERRORS:
            self.client_gone = True
        return not self.client_gone

    def _write(self, data: bytes) -> bool:
        if self.client_gone:
            return False
        try:
            self._handler.wfile.write(data)
            self._handler.wfile.flush()
        except CLIENT_GONE_ERRORS:
            self.client_gone = True
        return not self.client_gone


class StreamingServer(StandinServer):
    """A StandinServer whose exchange routes (tried first) may stream; method "*" is any method."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.exchange_routes: list[tuple[str, re.Pattern[str], ExchangeHandler]] = []
        self.stopping = threading.Event()
        self._answering: list[Exchange] = []  # exchanges whose handler has not returned yet
        self._answered = threading.Condition()

    def exchange_route(self, method: str, path: str) -> Callable[[ExchangeHandler], ExchangeHandler]:
        pattern = compile_path(path)

        def register(handler: ExchangeHandler) -> ExchangeHandler:
            self.exchange_routes.append((method, pattern, handler))
            return handler

        return register

    def handle(self, exchange: Exchange) -> None:
        with self._answered:
            self._answering.append(exchange)
        try:
            self._route(exchange)
        except Exception as error:  # noqa: BLE001 - report, never hang the caller
            if not exchange.answer_started:
                exchange.reply_json({"error": {"message": repr(error)}}, 500)
        finally:
            with self._answered:
                self._answering.remove(exchange)
                self._answered.notify_all()

    def wait_for_answers(self, timeout: float = 5.0) -> None:
        """Until every answer already under way has been noted by its handler: a client may read
        the last byte of an answer before the handler that wrote it records how it went."""
        with self._answered:
            self._answered.wait_for(lambda: not any(e.answer_started for e in self._answering), timeout)

    def _route(self, exchange: Exchange) -> None:
        for method, pattern, handler in self.exchange_routes:
            match = pattern.match(exchange.path)
            if match and method in ("*", exchange.method):
                exchange.params = match.groupdict()
                handler(exchange)
                return
        if exchange.method == "OPTIONS":
            exchange.reply(204, cors_preflight_headers())
            return
        request = StandinRequest(exchange.method, exchange.target, exchange.headers, exchange.body)
        exchange.reply(*self.dispatch(request))

    def start(self, port: int = 0, host: str = "127.0.0.1") -> int:
        standin = self
        self.stopping.clear()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                self.close_connection = True
                standin.handle(Exchange(self, read_body(self), standin.stopping))

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _handle  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        # a short poll keeps stop() quick: tests start and stop a server each
        serve = {"poll_interval": STOP_POLL_SECONDS}
        threading.Thread(target=self._server.serve_forever, kwargs=serve, daemon=True).start()
        return self._server.server_address[1]

    def stop(self) -> None:
        self.stopping.set()  # handlers waiting in Exchange.wait return at once
        super().stop()


def cors_preflight_headers() -> dict[str, str]:
    return {
        "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE",
        "access-control-allow-headers": "authorization, content-type",
    }
