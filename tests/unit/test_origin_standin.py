"""The origin stand-in (a developer's API behind the gateway), started in-process and driven over HTTP."""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from scripts.standins.origin import OriginRecord, OriginStandin


@pytest.fixture
def origin() -> Iterator[OriginStandin]:
    standin = OriginStandin()
    standin.start()
    yield standin
    standin.server.stop()


def eventually(check: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def only_record(origin: OriginStandin) -> OriginRecord:
    records = origin.requests()
    assert len(records) == 1
    return records[0]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
def test_echo_describes_the_request_for_any_method(origin: OriginStandin, method: str) -> None:
    answer = httpx.request(
        method,
        f"{origin.base_url}/v1/echo/items/7?a=1&b=two",
        content=b'{"n": 1}',
        headers={"X-Test-Marker": "echo-1", "Authorization": "Bearer dev-key"},
    )
    assert answer.status_code == 200
    described = answer.json()
    assert described["method"] == method
    assert described["path"] == "/v1/echo/items/7"
    assert described["query"] == "a=1&b=two"
    assert described["headers"]["x-test-marker"] == "echo-1"
    assert described["headers"]["authorization"] == "Bearer dev-key"
    assert described["body"] == '{"n": 1}'
    record = only_record(origin)
    assert (record.method, record.path, record.query) == (method, "/v1/echo/items/7", "a=1&b=two")
    assert record.headers["x-test-marker"] == "echo-1"
    assert record.status == 200 and record.finished and not record.client_gone


def test_binary_and_chunked_bodies_are_recorded_exactly(origin: OriginStandin) -> None:
    binary = bytes([0, 255, 128, 10])
    httpx.post(f"{origin.base_url}/v1/echo", content=binary)

    def pieces() -> Iterator[bytes]:
        yield b"hello "
        yield b"world"

    echoed = httpx.post(f"{origin.base_url}/v1/echo", content=pieces()).json()
    assert echoed["body"] == "hello world"
    first, second = origin.requests()
    assert first.body is None and base64.b64decode(first.body_base64) == binary
    assert second.headers.get("transfer-encoding") == "chunked"
    assert second.body == "hello world"


def test_units_header_and_usage_body(origin: OriginStandin) -> None:
    assert httpx.get(f"{origin.base_url}/v1/units").headers["x-units"] == "3"
    answer = httpx.post(f"{origin.base_url}/v1/units?units=12")
    assert answer.status_code == 200 and answer.headers["x-units"] == "12"
    assert httpx.get(f"{origin.base_url}/v1/usage").json() == {"result": "ok", "usage": {"units": 3}}
    assert httpx.get(f"{origin.base_url}/v1/usage?units=40").json()["usage"] == {"units": 40}
    assert [r.path for r in origin.requests()] == ["/v1/units", "/v1/units", "/v1/usage", "/v1/usage"]


def test_slow_stream_sends_its_first_chunk_before_the_delay(origin: OriginStandin) -> None:
    started = time.monotonic()
    arrivals: list[tuple[float, bytes]] = []
    with httpx.stream("GET", f"{origin.base_url}/v1/slow-stream?delay=1") as answer:
        assert answer.headers["transfer-encoding"] == "chunked"
        for chunk in answer.iter_raw():
            arrivals.append((time.monotonic() - started, chunk))
    assert arrivals[0][0] < 1.0 and arrivals[-1][0] - arrivals[0][0] >= 0.9, "the first chunk waited"
    assert b"".join(chunk for _, chunk in arrivals) == b"chunk 1\nchunk 2\nchunk 3\nchunk 4\n"
    record = only_record(origin)
    assert record.finished and not record.client_gone


def test_a_client_leaving_the_slow_stream_is_recorded(origin: OriginStandin) -> None:
    with httpx.stream("GET", f"{origin.base_url}/v1/slow-stream?delay=0.5&chunks=6") as answer:
        assert next(answer.iter_raw()) == b"chunk 1\n"
    eventually(lambda: only_record(origin).client_gone)
    record = only_record(origin)
    assert record.status == 200 and not record.finished


def test_fail_answers_500_json(origin: OriginStandin) -> None:
    answer = httpx.post(f"{origin.base_url}/v1/fail", json={"x": 1})
    assert answer.status_code == 500
    assert answer.json()["error"]["type"] == "origin_failure"
    assert only_record(origin).status == 500


def test_hang_answers_nothing_then_closes(origin: OriginStandin) -> None:
    with pytest.raises(httpx.ReadTimeout):
        httpx.get(f"{origin.base_url}/v1/hang", timeout=0.5)
    eventually(lambda: only_record(origin).client_gone)
    assert only_record(origin).status is None
    origin.clear()
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{origin.base_url}/v1/hang?seconds=0.3", timeout=5)
    record = only_record(origin)
    assert record.status is None and not record.finished


def test_redirect_points_elsewhere(origin: OriginStandin) -> None:
    answer = httpx.get(f"{origin.base_url}/v1/redirect")
    assert answer.status_code == 302 and answer.headers["location"] == "/v1/echo?redirected=1"
    assert httpx.get(f"{origin.base_url}/v1/redirect?to=/v1/usage").headers["location"] == "/v1/usage"
    followed = httpx.get(f"{origin.base_url}/v1/redirect", follow_redirects=True)
    assert followed.json()["query"] == "redirected=1"


@pytest.mark.parametrize("code", [404, 418, 503, 201])
def test_status_answers_the_code_asked_for(origin: OriginStandin, code: int) -> None:
    answer = httpx.get(f"{origin.base_url}/v1/status?code={code}")
    assert answer.status_code == code and answer.json() == {"status": code}
    assert only_record(origin).status == code


def test_status_edge_cases(origin: OriginStandin) -> None:
    no_content = httpx.delete(f"{origin.base_url}/v1/status?code=204")
    assert no_content.status_code == 204 and no_content.content == b""
    assert httpx.get(f"{origin.base_url}/v1/status?code=99").status_code == 400
    assert httpx.get(f"{origin.base_url}/v1/status").status_code == 400


def test_unknown_paths_are_404_and_recorded(origin: OriginStandin) -> None:
    answer = httpx.post(f"{origin.base_url}/v2/anything?q=1", content=b"x")
    assert answer.status_code == 404
    assert (only_record(origin).path, only_record(origin).status) == ("/v2/anything", 404)


def test_inspection_filters_and_forgets_without_recording_itself(origin: OriginStandin) -> None:
    httpx.get(f"{origin.base_url}/v1/echo", headers={"x-test-marker": "a"})
    httpx.get(f"{origin.base_url}/v1/usage", headers={"x-test-marker": "b"})
    httpx.get(f"{origin.base_url}/v1/units")
    everything = httpx.get(f"{origin.base_url}/_origin/requests").json()["requests"]
    assert [r["path"] for r in everything] == ["/v1/echo", "/v1/usage", "/v1/units"]
    assert everything[0]["headers"]["x-test-marker"] == "a" and everything[0]["status"] == 200
    marked_b = httpx.get(f"{origin.base_url}/_origin/requests?header=X-Test-Marker&value=b").json()
    assert [r["path"] for r in marked_b["requests"]] == ["/v1/usage"]
    marked = httpx.get(f"{origin.base_url}/_origin/requests?header=x-test-marker").json()["requests"]
    assert len(marked) == 2
    assert [r.path for r in origin.requests(header="x-test-marker", value="a")] == ["/v1/echo"]
    assert httpx.delete(f"{origin.base_url}/_origin/requests").json() == {"forgotten": 3}
    assert httpx.get(f"{origin.base_url}/_origin/requests").json() == {"requests": []}
    assert httpx.get(f"{origin.base_url}/_origin/other").status_code == 404
    assert origin.requests() == []
