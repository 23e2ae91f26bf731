"""The workers adapter's conversions, on CPython, with small fakes of `js` and `pyodide.ffi`.

The real FFI is exercised by the runtime tests in workerd; these pin down the conversion logic.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import types
from collections.abc import Iterator
from typing import Any

import pytest

from dreamapi.http import Headers, Response


class FakeJsProxy:
    pass


class FakeBuffer:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def to_bytes(self) -> bytes:
        return self.data


class FakeReader:
    def __init__(self, chunks: int) -> None:
        self.remaining = chunks
        self.reads = 0

    async def read(self) -> Any:
        self.reads += 1
        self.remaining -= 1
        return types.SimpleNamespace(done=self.remaining < 0)


class FakeStream:
    def __init__(self, chunks: int) -> None:
        self.reader = FakeReader(chunks)

    def getReader(self) -> FakeReader:  # noqa: N802 - JS name
        return self.reader


class FakeJsHeaders:
    def __init__(self, pairs: list[tuple[str, str]] | None = None) -> None:
        self.pairs = list(pairs or [])

    @classmethod
    def new(cls) -> FakeJsHeaders:
        return cls()

    def append(self, name: str, value: str) -> None:
        self.pairs.append((name, value))

    def entries(self) -> Iterator[list[str]]:
        """As a JS Headers object iterates: names lowercased, repeated names joined."""
        joined: dict[str, str] = {}
        for name, value in self.pairs:
            lowered = name.lower()
            joined[lowered] = f"{joined[lowered]}, {value}" if lowered in joined else value
        return iter([[name, value] for name, value in joined.items()])


class FakeJsRequest(FakeJsProxy):
    def __init__(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes = b"") -> None:
        self.method = method
        self.url = url
        self.headers = FakeJsHeaders(headers)
        self.body = FakeStream(3) if body else None
        self._body = body
        self.array_buffer_reads = 0

    async def arrayBuffer(self) -> FakeBuffer:  # noqa: N802 - JS name
        self.array_buffer_reads += 1
        return FakeBuffer(self._body)


class FakeJsObject(dict):
    def to_py(self) -> dict[str, Any]:
        return dict(self)


class FakeJsResponse:
    @classmethod
    def new(cls, body: Any, **init: Any) -> FakeJsResponse:
        response = cls()
        response.body, response.init = body, init
        return response


class FakePromise:
    """JS `new Promise(executor)`: runs the executor at once, remembers whether it settled."""

    def __init__(self, executor: Any) -> None:
        self.settled = False
        executor(self._resolve, None)

    def _resolve(self, *_: Any) -> None:
        self.settled = True

    @classmethod
    def new(cls, executor: Any) -> FakePromise:
        return cls(executor)


@pytest.fixture()
def workers(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    js = types.ModuleType("js")
    js.Headers = FakeJsHeaders
    js.Response = FakeJsResponse
    js.Object = types.SimpleNamespace(
        fromEntries=lambda pairs: FakeJsObject(
            pairs.entries() if isinstance(pairs, FakeJsHeaders) else pairs
        ),
        keys=lambda obj: list(vars(obj)),
    )
    js.crypto = None
    js.fetch = None
    js.Promise = FakePromise
    js.AbortController = None  # the gateway's forwarding is exercised in workerd (tests/runtime)
    js.Array = None
    js.ReadableStream = None
    pyodide = types.ModuleType("pyodide")
    ffi = types.ModuleType("pyodide.ffi")
    ffi.JsProxy = FakeJsProxy
    ffi.create_once_callable = lambda function: function
    ffi.create_proxy = lambda function: function

    def to_js(value: Any, dict_converter: Any = None) -> Any:
        if isinstance(value, bytes):
            return ("Uint8Array", value)
        if isinstance(value, list | tuple):  # both become JS arrays
            return [to_js(item, dict_converter) for item in value]
        return dict_converter(value) if dict_converter else value

    ffi.to_js = to_js
    pyodide.ffi = ffi
    monkeypatch.setitem(sys.modules, "js", js)
    monkeypatch.setitem(sys.modules, "pyodide", pyodide)
    monkeypatch.setitem(sys.modules, "pyodide.ffi", ffi)
    monkeypatch.delitem(sys.modules, "dreamapi.runtime.workers", raising=False)
    return importlib.import_module("dreamapi.runtime.workers")


async def test_request_conversion_keeps_path_query_headers_and_body(workers: types.ModuleType) -> None:
    js_request = FakeJsRequest(
        "POST",
        "https://api.example.com/api/data?x=1&y=a%20b",
        [("Content-Type", "application/json"), ("X-User-Id", "u1"), ("content-length", "7")],
        b'{"a":1}',
    )
    request = await workers.request_from_js(js_request, max_body_bytes=100)
    assert request.method == "POST"
    assert request.path == "/api/data"
    assert request.query == {"x": ["1"], "y": ["a b"]}
    assert request.headers.get("x-user-id") == "u1"
    assert request.body == b'{"a":1}'


async def test_request_conversion_without_path_is_root(workers: types.ModuleType) -> None:
    request = await workers.request_from_js(FakeJsRequest("GET", "http://localhost:8787", []), 100)
    assert request.path == "/" and request.body == b""


async def test_oversized_declared_body_is_drained_not_buffered(workers: types.ModuleType) -> None:
    js_request = FakeJsRequest("POST", "http://h/x", [("content-length", "5000")], b"x" * 5000)
    request = await workers.request_from_js(js_request, max_body_bytes=100)
    assert request.body == b""
    assert js_request.array_buffer_reads == 0
    assert js_request.body.reader.reads == 4  # three chunks, then done
    assert request.headers.get("content-length") == "5000"  # the app answers 413 from it


def test_response_conversion(workers: types.ModuleType) -> None:
    response = Response(
        201, Headers([("content-type", "application/json"), ("set-cookie", "a"), ("set-cookie", "b")]), b"{}"
    )
    js_response = workers.response_to_js(response)
    assert js_response.body == ("Uint8Array", b"{}")
    assert js_response.init["status"] == 201
    assert js_response.init["headers"] == [list(pair) for pair in response.headers.items()]  # repeats kept
    assert workers.response_to_js(Response(204, Headers(), b"ignored")).body is None


def test_to_py_normalises_nulls_and_nested_values(workers: types.ModuleType) -> None:
    assert workers.to_py(None) is None
    assert workers.to_py({"a": [1, None], "b": {"c": "d"}}) == {"a": [1, None], "b": {"c": "d"}}


def test_env_mapping_exposes_only_strings(workers: types.ModuleType) -> None:
    env = workers.WorkersEnv(types.SimpleNamespace(FRONTEND_URL="http://x", TOKENS_KV=object()))
    assert env["FRONTEND_URL"] == "http://x"
    assert env.get("TOKENS_KV") is None
    assert dict(env) == {"FRONTEND_URL": "http://x"}


async def test_the_sdk_request_wrapper_is_unwrapped(workers: types.ModuleType) -> None:
    inner = FakeJsRequest("GET", "https://api.example.com/health?x=1", [("accept", "*/*")])
    wrapper = types.SimpleNamespace(js_object=inner)
    request = await workers.request_from_js(wrapper, max_body_bytes=100)
    assert request.path == "/health" and request.query == {"x": ["1"]}


class FakeStubReply:
    def __init__(self, status: int, text: str) -> None:
        self.status, self._text = status, text

    async def text(self) -> str:
        return self._text


class FakeNamespace:
    """A Durable Object namespace whose stubs answer from a script (an exception = a failure in transit)."""

    def __init__(self, *outcomes: FakeStubReply | Exception) -> None:
        self.outcomes = list(outcomes)
        self.calls: list[tuple[str, str, str]] = []

    def idFromName(self, name: str) -> str:  # noqa: N802 - JS name
        return f"id:{name}"

    def get(self, object_id: str) -> Any:
        async def fetch(url: str, method: str, body: str) -> FakeStubReply:
            self.calls.append((object_id, url, body))
            outcome = self.outcomes.pop(0)
            if isinstance(outcome, Exception):
                raise outcome
            return outcome

        return types.SimpleNamespace(fetch=fetch)


@pytest.fixture()
def fast_retries(workers: types.ModuleType, monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    monkeypatch.setattr(workers.DurableObjectMeter, "RETRY_DELAYS_SECONDS", (0, 0, 0))
    return workers


async def test_meter_calls_are_retried_in_transit_with_the_same_operation(
    fast_retries: types.ModuleType,
) -> None:
    namespace = FakeNamespace(
        RuntimeError("Network connection lost"),
        FakeStubReply(503, "Your worker restarted mid-request."),
        FakeStubReply(200, '{"decision": "counted"}'),
    )
    answer = await fast_retries.DurableObjectMeter(namespace).send("s1", "meter", {"operation": "op1"}, 5)
    assert answer == {"decision": "counted"}
    assert [call[0] for call in namespace.calls] == ["id:s1"] * 3
    assert {call[1] for call in namespace.calls} == {"https://usage-meter/meter"}
    assert len({call[2] for call in namespace.calls}) == 1  # the same body, so the same operation id


async def test_meter_failures_end_as_unavailable(fast_retries: types.ModuleType) -> None:
    from dreamapi.ports.meter import MeterUnavailableError

    meter = fast_retries.DurableObjectMeter
    down = FakeNamespace(*[RuntimeError("Network connection lost")] * 4)
    with pytest.raises(MeterUnavailableError, match="RuntimeError"):
        await meter(down).send("s1", "meter", {}, 5)
    assert len(down.calls) == 4  # the first try and three retries
    refused = FakeNamespace(FakeStubReply(400, '{"error":"bad_meter_request"}'))
    with pytest.raises(MeterUnavailableError, match="refused"):
        await meter(refused).send("s1", "meter", {}, 5)
    assert len(refused.calls) == 1  # retrying cannot fix what we sent
    garbage = FakeNamespace(FakeStubReply(200, "<html>"))
    with pytest.raises(MeterUnavailableError, match="not a JSON object"):
        await meter(garbage).send("s1", "peek", {}, 5)


async def test_a_meter_that_does_not_answer_in_time_is_unavailable(workers: types.ModuleType) -> None:
    import asyncio

    from dreamapi.ports.meter import MeterUnavailableError

    class Hung(FakeNamespace):
        def get(self, object_id: str) -> Any:
            async def fetch(url: str, method: str, body: str) -> FakeStubReply:
                await asyncio.sleep(10)
                raise AssertionError("unreachable")

            return types.SimpleNamespace(fetch=fetch)

    with pytest.raises(MeterUnavailableError, match=r"no answer within 0\.1s"):
        await workers.DurableObjectMeter(Hung()).send("s1", "meter", {}, 0.1)


async def test_a_failing_kv_binding_is_storage_unavailable(workers: types.ModuleType) -> None:
    from dreamapi.ports.kv import StorageUnavailableError

    class Refusing:
        async def get(self, key: str) -> Any:
            raise RuntimeError("KV GET failed: 429 Too Many Requests")

        def put(self, key: str, value: str, options: Any) -> Any:
            raise RuntimeError("synchronous refusal")

    kv = workers.WorkersKV(Refusing())
    with pytest.raises(StorageUnavailableError, match="KV get failed: RuntimeError"):
        await kv.get("usage:x")
    with pytest.raises(StorageUnavailableError, match="KV put failed"):
        await kv.put("usage:x", "1")


async def test_a_post_without_a_body_is_not_read(workers: types.ModuleType) -> None:
    js_request = FakeJsRequest("POST", "http://h/api/data", [("authorization", "Bearer k")])
    request = await workers.request_from_js(js_request, max_body_bytes=100)
    assert request.body == b"" and js_request.array_buffer_reads == 0
    assert request.headers.get("Authorization") == "Bearer k"


def test_env_values_cross_into_js_once(workers: types.ModuleType) -> None:
    class CountingEnv:
        reads = 0

        def __getattr__(self, name: str) -> Any:
            CountingEnv.reads += 1
            return "v" if name == "SET" else None

    env = workers.WorkersEnv(CountingEnv())
    for _ in range(3):
        assert env.get("SET") == "v" and env.get("UNSET") is None
    assert CountingEnv.reads == 2


async def test_a_chunked_body_is_read(workers: types.ModuleType) -> None:
    js_request = FakeJsRequest("POST", "http://h/x", [("transfer-encoding", "chunked")], b'{"units":3}')
    request = await workers.request_from_js(js_request, max_body_bytes=100)
    assert request.body == b'{"units":3}' and js_request.array_buffer_reads == 1


async def test_deferred_work_runs_after_the_response_and_holds_the_request_open(
    workers: types.ModuleType,
) -> None:
    done: list[str] = []
    gate = asyncio.Event()

    async def work() -> None:
        await gate.wait()
        done.append("reported")

    async def failing() -> None:
        raise RuntimeError("the object did not answer")

    held: list[FakePromise] = []
    ctx = types.SimpleNamespace(waitUntil=held.append)
    workers.wait_until(ctx, work())
    workers.wait_until(ctx, failing())
    await asyncio.sleep(0.01)
    assert [promise.settled for promise in held] == [False, True]  # a failure settles it too (logged)
    gate.set()
    await asyncio.sleep(0.01)
    assert done == ["reported"] and held[0].settled
