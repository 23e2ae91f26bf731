"""A developer's API (the gateway's "origin"), locally: it records every request it receives and
answers in each of the ways a gateway in front of it must cope with.

Run: python -m scripts.standins.origin --port 8798. Forwarded routes, any method; each request is
recorded (method, path, query string, headers lower-cased, body as text and base64, time received,
status answered, whether the answer finished and whether the client went away before it did):
  /v1/echo, /v1/echo/<anything>  200 JSON describing the request: method, path, query, headers,
                                 body, bodyBase64
  /v1/units?units=N              200 with the header `x-units: N` (default 3), body {"ok": true}
  /v1/usage?units=N              200 {"result": "ok", "usage": {"units": N}} (default 3)
  /v1/slow-stream?delay=S&chunks=C
                                 200 text/plain, chunked: "chunk 1\\n" at once, then after S seconds
                                 (default 2) "chunk 2\\n" ... "chunk C\\n" (default 4), 50 ms apart
  /v1/fail                       500 {"error": {"type": "origin_failure", "message": ...}}
  /v1/hang?seconds=S             answers nothing for S seconds (default 60, sooner if the client
                                 hangs up), then closes the connection without an answer
  /v1/redirect?to=PATH           302 with `location: PATH` (default /v1/echo?redirected=1)
  /v1/status?code=N              status N (200-599) with {"status": N} (no body for 204 and 304)
  anything else                  404 {"error": ...}, recorded too
Control and inspection (for tests, not for the gateway to forward; never recorded):
  GET    /_origin/requests[?header=NAME[&value=V]]  {"requests": [...]}, oldest first; only those
                                 that carried header NAME (with value V) when asked
  DELETE /_origin/requests       forget them all -> {"forgotten": N}
In-process: `OriginStandin.requests(header=..., value=...)` and `OriginStandin.clear()`.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from scripts.standins.jsonhttp import Reply, StandinRequest, json_reply, serve_until_interrupted
from scripts.standins.streaming import Exchange, StreamingServer

DEFAULT_UNITS = 3
DEFAULT_STREAM_DELAY_SECONDS = 2.0
DEFAULT_STREAM_CHUNKS = 4
CHUNK_GAP_SECONDS = 0.05
DEFAULT_HANG_SECONDS = 60.0
DEFAULT_REDIRECT = "/v1/echo?redirected=1"

Answer = Callable[[Exchange], tuple[int | None, bool]]  # -> (status sent or None, finished)


@dataclass
class OriginRecord:
    """One request the origin received, as the gateway forwarded it."""

    id: int
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: str | None  # the body as UTF-8 text; None when it is not valid UTF-8
    body_base64: str
    received_at: float
    status: int | None = None  # None until answered (and for /v1/hang, which never answers)
    finished: bool = False  # the whole answer was written
    client_gone: bool = False  # the client went away before the answer finished

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def record_of(exchange: Exchange, record_id: int) -> OriginRecord:
    try:
        text: str | None = exchange.body.decode()
    except UnicodeDecodeError:
        text = None
    return OriginRecord(
        id=record_id,
        method=exchange.method,
        path=exchange.path,
        query=exchange.query_string,
        headers=dict(exchange.headers),
        body=text,
        body_base64=base64.b64encode(exchange.body).decode(),
        received_at=exchange.received_at,
    )


def number(exchange: Exchange, name: str, default: float) -> float:
    value = exchange.query.get(name)
    return float(value) if value else default


def matches(record: OriginRecord, header: str | None, value: str | None) -> bool:
    if header is None:
        return True
    found = record.headers.get(header.lower())
    return found is not None and (value is None or found == value)


class OriginStandin:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.records: list[OriginRecord] = []
        self.ids = itertools.count(1)
        self.server = StreamingServer("origin")
        forwarded: dict[str, Answer] = {
            "/v1/echo": self._echo,
            "/v1/echo/{rest*}": self._echo,
            "/v1/units": self._units,
            "/v1/usage": self._usage,
            "/v1/slow-stream": self._slow_stream,
            "/v1/fail": self._fail,
            "/v1/hang": self._hang,
            "/v1/redirect": self._redirect,
            "/v1/status": self._status,
            "/{rest*}": self._not_found,  # last: anything else forwarded is recorded too
        }
        self.server.route("GET", "/_origin/requests")(self._list)
        self.server.route("DELETE", "/_origin/requests")(self._forget)
        self.server.exchange_route("*", "/_origin/{rest*}")(self._control)
        for path, answer in forwarded.items():
            self.server.exchange_route("*", path)(self._recorded(answer))

    def start(self, port: int = 0) -> int:
        return self.server.start(port)

    @property
    def base_url(self) -> str:
        return self.server.base_url

    def requests(self, header: str | None = None, value: str | None = None) -> list[OriginRecord]:
        """Copies of what arrived, oldest first; only those with `header` (equal to `value`) if given."""
        self.server.wait_for_answers()
        with self.lock:
            return [dataclasses.replace(r) for r in self.records if matches(r, header, value)]

    def clear(self) -> int:
        with self.lock:
            forgotten = len(self.records)
            self.records.clear()
        return forgotten

    def _control(self, exchange: Exchange) -> None:
        """/_origin/...: the whole-JSON control routes, kept out of the records."""
        request = StandinRequest(exchange.method, exchange.target, exchange.headers, exchange.body)
        exchange.reply(*self.server.dispatch(request))

    def _recorded(self, answer: Answer) -> Callable[[Exchange], None]:
        """Records the request, then lets `answer` reply and notes how that went."""

        def handle(exchange: Exchange) -> None:
            with self.lock:
                record = record_of(exchange, next(self.ids))
                self.records.append(record)
            status, finished = answer(exchange)
            with self.lock:
                record.status = status
                record.finished = finished
                record.client_gone = exchange.client_gone

        return handle

    # Forwarded routes (Answer): each replies, then says what status it sent and if it finished.

    def _echo(self, exchange: Exchange) -> tuple[int | None, bool]:
        record = record_of(exchange, 0)
        described = {
            "method": record.method,
            "path": record.path,
            "query": record.query,
            "headers": record.headers,
            "body": record.body,
            "bodyBase64": record.body_base64,
        }
        return 200, exchange.reply_json(described)

    def _units(self, exchange: Exchange) -> tuple[int | None, bool]:
        units = int(number(exchange, "units", DEFAULT_UNITS))
        return 200, exchange.reply_json({"ok": True}, headers={"x-units": str(units)})

    def _usage(self, exchange: Exchange) -> tuple[int | None, bool]:
        units = int(number(exchange, "units", DEFAULT_UNITS))
        return 200, exchange.reply_json({"result": "ok", "usage": {"units": units}})

    def _slow_stream(self, exchange: Exchange) -> tuple[int | None, bool]:
        delay = number(exchange, "delay", DEFAULT_STREAM_DELAY_SECONDS)
        chunks = max(int(number(exchange, "chunks", DEFAULT_STREAM_CHUNKS)), 1)
        ok = exchange.start_stream(200, {"content-type": "text/plain; charset=utf-8"})
        ok = ok and exchange.send_chunk(b"chunk 1\n") and exchange.wait(delay)
        for index in range(2, chunks + 1):
            ok = ok and exchange.send_chunk(b"chunk %d\n" % index)
            ok = ok and (index == chunks or exchange.wait(CHUNK_GAP_SECONDS))
        return 200, ok and exchange.end_stream()

    def _fail(self, exchange: Exchange) -> tuple[int | None, bool]:
        error = {"type": "origin_failure", "message": "the origin failed on purpose"}
        return 500, exchange.reply_json({"error": error}, 500)

    def _hang(self, exchange: Exchange) -> tuple[int | None, bool]:
        exchange.wait(number(exchange, "seconds", DEFAULT_HANG_SECONDS))
        return None, False

    def _redirect(self, exchange: Exchange) -> tuple[int | None, bool]:
        target = exchange.query.get("to") or DEFAULT_REDIRECT
        return 302, exchange.reply_json({"location": target}, 302, {"location": target})

    def _status(self, exchange: Exchange) -> tuple[int | None, bool]:
        code = exchange.query.get("code", "")
        if not code.isdigit() or not 200 <= int(code) <= 599:
            error = {"type": "bad_status", "message": f"code must be 200-599, got {code!r}"}
            return 400, exchange.reply_json({"error": error}, 400)
        return int(code), exchange.reply_json({"status": int(code)}, int(code))

    def _not_found(self, exchange: Exchange) -> tuple[int | None, bool]:
        error = {"type": "not_found", "message": f"origin has no {exchange.method} {exchange.path}"}
        return 404, exchange.reply_json({"error": error}, 404)

    # Control routes (whole JSON answers, never recorded).

    def _list(self, request: StandinRequest) -> Reply:
        found = self.requests(request.query.get("header"), request.query.get("value"))
        return json_reply({"requests": [r.to_dict() for r in found]})

    def _forget(self, _request: StandinRequest) -> Reply:
        return json_reply({"forgotten": self.clear()})


def main() -> None:
    parser = argparse.ArgumentParser(description="Local origin API (a developer's API behind the gateway)")
    parser.add_argument("--port", type=int, default=8798)
    args = parser.parse_args()
    origin = OriginStandin()
    serve_until_interrupted(origin.start, origin.server, args.port, "origin stand-in")


if __name__ == "__main__":
    main()
