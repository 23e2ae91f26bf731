"""A tiny threaded JSON HTTP server base for the local stand-ins (standard library only)."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

Reply = tuple[int, dict[str, str], bytes]
RouteHandler = Callable[["StandinRequest"], Reply]


class StandinRequest:
    def __init__(self, method: str, target: str, headers: dict[str, str], body: bytes) -> None:
        parts = urlsplit(target)
        self.method = method
        self.path = parts.path
        self.query_string = parts.query
        self.query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body
        self.params: dict[str, str] = {}

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode(), keep_blank_values=True).items()}


def json_reply(data: Any, status: int = 200) -> Reply:
    return status, {"content-type": "application/json"}, json.dumps(data).encode()


def html_reply(html: str, status: int = 200) -> Reply:
    return status, {"content-type": "text/html; charset=utf-8"}, html.encode()


class StandinServer:
    """Routes `METHOD /path` to handlers; anything unknown fails loudly with a 404 JSON."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.routes: list[tuple[str, re.Pattern[str], RouteHandler]] = []
        self._server: ThreadingHTTPServer | None = None

    def route(self, method: str, path: str) -> Callable[[RouteHandler], RouteHandler]:
        parts = re.split(r"\{(\w+)\}", path)
        regex = "".join(f"(?P<{part}>[^/]+)" if i % 2 else re.escape(part) for i, part in enumerate(parts))
        pattern = re.compile(f"^{regex}$")

        def register(handler: RouteHandler) -> RouteHandler:
            self.routes.append((method, pattern, handler))
            return handler

        return register

    def dispatch(self, request: StandinRequest) -> Reply:
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if method == request.method and match:
                request.params = match.groupdict()
                return handler(request)
        return json_reply(
            {
                "error": {
                    "type": "invalid_request_error",
                    "message": f"{self.name} stand-in has no {request.method} {request.path}",
                }
            },
            404,
        )

    def start(self, port: int = 0, host: str = "127.0.0.1") -> int:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                request = StandinRequest(self.command, self.path, dict(self.headers.items()), body)
                try:
                    status, headers, payload = standin.dispatch(request)
                except Exception as error:  # noqa: BLE001 - report, never hang the caller
                    status, headers, payload = json_reply({"error": {"message": repr(error)}}, 500)
                self.send_response(status)
                # Local dev tools: the dashboard (another origin) calls them from the browser.
                self.send_header("access-control-allow-origin", "*")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(payload)))
                # http.server speaks HTTP/1.0 and closes after each answer; saying so keeps
                # workerd from reusing the closed socket ("Network connection lost").
                self.send_header("connection", "close")
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle  # noqa: N815

            def do_OPTIONS(self) -> None:
                self.send_response(204)
                self.send_header("access-control-allow-origin", "*")
                self.send_header("access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE")
                self.send_header("access-control-allow-headers", "authorization, content-type")
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()


def serve_until_interrupted(
    start: Callable[[int], object], server: StandinServer, port: int, what: str
) -> None:
    """A stand-in's command-line entry: `start(port)`, then serve until Ctrl-C or SIGTERM."""
    import signal
    import time

    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    start(port)
    print(f"{what} on {server.base_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()
