"""The Python SDK (clients/python) against api_multi's committed OpenAPI document, so that the two
cannot drift apart silently: every request each public method sends (captured from the real
client code, sent nowhere) is a documented operation with documented path, query and header
parameters and a valid body; each method's result type has exactly the properties of that
operation's success response, the required ones required, with compatible types, all the way
down (the reservation handles' methods too); and the errors read fields the error responses
document. Plus the retry policy's decisions and what a reservation's block does on leaving, which
need no server."""

from __future__ import annotations

import inspect
import json
import re
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import httpx
import jsonschema_rs
import pytest
from dreamapi_client import (
    AsyncDreamApi,
    AsyncReservation,
    DreamApi,
    Metered,
    PendingReservation,
    Reservation,
    ReservationFinished,
)
from dreamapi_client._core import ReservationState, RetryPolicy
from dreamapi_client.errors import (
    TIER_LIMIT_REACHED,
    ConnectionFailed,
    MeterUnavailable,
    QuotaExceeded,
    error_from_response,
)

DOCUMENT = json.loads((Path(__file__).resolve().parents[2] / "api_multi" / "openapi.json").read_text())
USER = "user_42.a@b+c-d"
KEY_ID = "key_" + "0" * 24
PLATFORM = "plt_0123456789abcdef0123"
RESERVATION_ID = "rsv_" + "0" * 24
USAGE = {"count": 0, "limit": 9, "plan": "pro", "periodStart": "", "periodEnd": "", "remaining": 9, "held": 5}


def reservation_body(status: str = "held", **fields: object) -> dict[str, object]:
    """An answer about a reservation, as far as the handles read one."""
    times = {"expiresAt": "2030-01-01T00:05:00Z", "createdAt": "2030-01-01T00:00:00Z"}
    return {"id": RESERVATION_ID, "units": 5, "status": status, **times, "usage": USAGE, **fields}


# Every public method of DreamApi, called as a developer would: its arguments in full, or none.
CALLS: dict[str, list[Callable[[DreamApi], object]]] = {
    "meter": [
        lambda c: c.meter(USER),
        lambda c: c.meter(USER, 1200, plan="pro", idempotency_key="order-1001"),
    ],
    "meter_detailed": [lambda c: c.meter_detailed(USER, 2, plan="free")],
    "reserve": [
        lambda c: c.reserve(USER, 500),
        lambda c: c.reserve(USER, 500, ttl_seconds=120, plan="pro", idempotency_key="job-7"),
    ],
    "usage": [lambda c: c.usage(USER), lambda c: c.usage(USER, plan="pro")],
    "tiers": [lambda c: c.tiers(PLATFORM)],
    "credits": [lambda c: c.credits(USER)],
    "grant_credits": [
        lambda c: c.grant_credits(USER, 5000),
        lambda c: c.grant_credits(USER, -200, reason="refund", idempotency_key="refund-7"),
    ],
    "credit_statement": [lambda c: c.credit_statement(USER)],
    "list_keys": [lambda c: c.list_keys()],
    "create_key": [
        lambda c: c.create_key("ci server"),
        lambda c: c.create_key("ci", expires_at=datetime(2030, 6, 30, tzinfo=UTC)),
        lambda c: c.create_key("ci", expires_at="2030-06-30T00:00:00Z"),
    ],
    "roll_key": [lambda c: c.roll_key(KEY_ID), lambda c: c.roll_key(KEY_ID, grace_period_seconds=3600)],
    "revoke_key": [lambda c: c.revoke_key(KEY_ID)],
    "end_users": [
        lambda c: c.end_users(),
        lambda c: c.end_users(search="user", sort="percent", order="desc", page=2, page_size=100),
    ],
    "end_user": [lambda c: c.end_user(USER)],
}
# Every public method of a Reservation (what `reserve` returns), called on one reserved with a plan.
RESERVATION_CALLS: dict[str, list[Callable[[Reservation], object]]] = {
    "settle": [lambda r: r.settle(137), lambda r: r.settle(0)],
    "release": [lambda r: r.release()],
    "refresh": [lambda r: r.refresh()],
}
# Headers any HTTP request carries; the rest must be documented parameters of the operation.
TRANSPORT_HEADERS = {"host", "accept", "accept-encoding", "connection", "user-agent", "content-length"}


def public_methods(cls: type) -> dict[str, Any]:
    return {
        name: member
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_") and name not in {"close", "aclose"}
    }


def operation_for(method: str, path: str) -> tuple[str, dict[str, Any], dict[str, str]]:
    """The documented operation a request is, with its path parameters' values."""
    for template, operations in DOCUMENT["paths"].items():
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
        match = re.fullmatch(pattern, path)
        if match and method.lower() in operations:
            return template, operations[method.lower()], match.groupdict()
    raise AssertionError(f"{method} {path} is not in api_multi/openapi.json")


def success_schema(operation: dict[str, Any]) -> dict[str, Any]:
    statuses = [status for status in operation["responses"] if status.startswith("2")]
    assert len(statuses) == 1, statuses
    return dict(operation["responses"][statuses[0]]["content"]["application/json"]["schema"])


def captured(call: Callable[[DreamApi], object]) -> list[httpx.Request]:
    """The requests `call` sends, each answered 200 `{}` (a reservation: a held one) by a
    transport that sends nothing on."""
    requests: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        reservation = request.url.path.startswith("/api/reservations")
        return httpx.Response(200, json=reservation_body() if reservation else {})

    with httpx.Client(transport=httpx.MockTransport(answer)) as http:
        call(DreamApi("dream_live_" + "x" * 36, base_url="https://api.example.test", http_client=http))
    return requests


def on_a_reservation(call: Callable[[Reservation], object]) -> Callable[[DreamApi], object]:
    return lambda client: call(client.reserve(USER, 5, plan="pro"))


def test_every_public_method_is_exercised_here_and_the_async_client_mirrors_the_sync_one() -> None:
    sync, asynchronous = public_methods(DreamApi), public_methods(AsyncDreamApi)
    assert set(sync) == set(CALLS), "add the new method to CALLS (and its types to the API's document)"
    assert set(asynchronous) == set(sync)
    for name, method in sync.items():
        twin = asynchronous[name]
        assert inspect.signature(twin).parameters == inspect.signature(method).parameters, name
        hints, twin_hints = typing.get_type_hints(method), typing.get_type_hints(twin)
        if name == "reserve":  # awaited, or entered with `async with`
            assert not inspect.iscoroutinefunction(twin)
            assert (hints.pop("return"), twin_hints.pop("return")) == (Reservation, PendingReservation)
            awaited = typing.get_type_hints(PendingReservation.__await__)["return"]
            assert typing.get_args(awaited)[-1] is AsyncReservation
            assert typing.get_type_hints(PendingReservation.__aenter__)["return"] is AsyncReservation
        else:
            assert inspect.iscoroutinefunction(twin), name
        assert twin_hints == hints, name


def test_every_public_method_of_a_reservation_is_exercised_and_the_async_one_mirrors_it() -> None:
    sync, asynchronous = public_methods(Reservation), public_methods(AsyncReservation)
    assert set(sync) == set(RESERVATION_CALLS), "add the new method to RESERVATION_CALLS"
    assert set(asynchronous) == set(sync)
    for name, method in sync.items():
        twin = asynchronous[name]
        assert inspect.iscoroutinefunction(twin), name
        assert inspect.signature(twin).parameters == inspect.signature(method).parameters, name
        assert typing.get_type_hints(twin) == typing.get_type_hints(method), name


REQUESTS = [(name, index, CALLS[name][index]) for name, calls in CALLS.items() for index in range(len(calls))]
REQUESTS += [
    (f"Reservation.{name}", index, on_a_reservation(calls[index]))
    for name, calls in RESERVATION_CALLS.items()
    for index in range(len(calls))
]


@pytest.mark.parametrize(("name", "index", "call"), REQUESTS, ids=[f"{n}-{i}" for n, i, _ in REQUESTS])
def test_each_request_is_a_documented_operation_with_documented_parameters(
    name: str, index: int, call: Callable[[DreamApi], object]
) -> None:
    requests = captured(call)
    assert len(requests) == (2 if name.startswith("Reservation.") else 1)
    request = requests[-1]
    template, operation, path_values = operation_for(request.method, request.url.path)
    where = f"{name}: {request.method} {template}"
    parameters = {(p["in"], p["name"].lower()): p for p in operation.get("parameters", [])}

    def check(location: str, name: str, value: str) -> None:
        parameter = parameters.get((location, name.lower()))
        assert parameter is not None, f"{where} sends the undocumented {location} parameter {name}"
        pattern = parameter["schema"].get("pattern")
        assert pattern is None or re.search(pattern, value), f"{where}: {name}={value!r} !~ {pattern}"

    for key, value in path_values.items():
        check("path", key, value)
    sent_query = dict(request.url.params)
    for key, value in sent_query.items():
        check("query", key, value)
    security = operation.get("security", DOCUMENT.get("security", []))
    authenticated = any("apiKey" in requirement for requirement in security)
    assert ("authorization" in request.headers) == authenticated, f"{where}: Authorization"
    if authenticated:
        assert request.headers["authorization"].startswith("Bearer dream_live_")
    for header, value in request.headers.items():
        if header not in TRANSPORT_HEADERS | {"authorization", "content-type"}:
            check("header", header, value)
    for (location, key), parameter in parameters.items():
        if parameter.get("required") and location == "query":
            assert key in {k.lower() for k in sent_query}, f"{where} leaves out the required {key}"
    if "x-user-id" in {key for _, key in parameters} and operation["security"]:
        assert "x-user-id" in request.headers, f"{where}: API-key mode needs X-User-Id"

    body = request.content
    declared = operation.get("requestBody")
    if body:
        assert declared is not None, f"{where} sends a body the operation does not take"
        assert request.headers["content-type"] == "application/json"
        schema = declared["content"]["application/json"]["schema"]
        assert jsonschema_rs.validator_for(schema).is_valid(json.loads(body)), f"{where}: {body!r}"
    else:
        assert not (declared or {}).get("required"), f"{where} leaves out the required body"


def result_type(method: Callable[..., object]) -> Any:
    returned = typing.get_type_hints(method)["return"]
    if returned is Metered:
        return typing.get_type_hints(Metered)["result"]
    if returned is Reservation:
        return typing.get_type_hints(ReservationState)["reserved"]
    return returned


def is_typed_dict(kind: Any) -> bool:
    return isinstance(kind, type) and typing.is_typeddict(kind)


JSON_TYPES = {int: "integer", str: "string", bool: "boolean", float: "number", type(None): "null"}


def mismatches(kind: Any, schema: dict[str, Any], where: str) -> list[str]:
    """How the Python type `kind` disagrees with the JSON schema `schema`."""
    origin, arguments = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        declared = schema.get("type")
        declared = set(declared) if isinstance(declared, list) else {declared}
        nullable = type(None) in arguments
        if nullable != ("null" in declared):
            return [f"{where}: {kind} and {schema.get('type')} disagree on null"]
        rest = [argument for argument in arguments if argument is not type(None)]
        assert len(rest) == 1, f"{where}: one type besides None, not {kind}"
        return mismatches(rest[0], {**schema, "type": sorted(declared - {"null"})[0]}, where)
    if origin is Literal:
        allowed = set(schema["enum"]) if "enum" in schema else {schema.get("const")}
        return [] if set(arguments) == allowed else [f"{where}: {kind} but the document says {allowed}"]
    if origin is list:
        if schema.get("type") != "array":
            return [f"{where}: a list but the document says {schema.get('type')}"]
        return mismatches(arguments[0], schema["items"], f"{where}[]")
    if origin is dict:
        return [] if schema.get("type") == "object" else [f"{where}: a dict but {schema.get('type')}"]
    if is_typed_dict(kind):
        if schema.get("type") not in ("object", ["object", "null"]) or "properties" not in schema:
            return [f"{where}: {kind.__name__} but the document has no object there"]
        fields, properties = typing.get_type_hints(kind), schema["properties"]
        problems = [f"{where}.{key}: not in the document" for key in fields.keys() - properties.keys()]
        problems += [
            f"{where}.{key}: missing from {kind.__name__}" for key in properties.keys() - fields.keys()
        ]
        required = set(schema.get("required", []))
        if set(kind.__required_keys__) != required:
            problems.append(
                f"{where}: {kind.__name__} requires {sorted(kind.__required_keys__)}, not {sorted(required)}"
            )
        for key in fields.keys() & properties.keys():
            problems += mismatches(fields[key], properties[key], f"{where}.{key}")
        return problems
    if "enum" in schema or "const" in schema:
        values = schema.get("enum", [schema.get("const")])
        return [] if all(type(v) is kind for v in values) else [f"{where}: {kind} for {values}"]
    expected = JSON_TYPES.get(kind)
    if expected is None:
        return [f"{where}: {kind} has no JSON type"]
    return [] if schema.get("type") == expected else [f"{where}: {kind} but {schema.get('type')}"]


RESULTS = [(name, getattr(DreamApi, name), CALLS[name][0]) for name in sorted(CALLS)]
RESULTS += [
    (f"Reservation.{name}", getattr(Reservation, name), on_a_reservation(calls[0]))
    for name, calls in sorted(RESERVATION_CALLS.items())
]


@pytest.mark.parametrize(("name", "method", "call"), RESULTS, ids=[name for name, _, _ in RESULTS])
def test_each_result_type_is_the_documented_success_response(
    name: str, method: Callable[..., object], call: Callable[[DreamApi], object]
) -> None:
    request = captured(call)[-1]
    _, operation, _ = operation_for(request.method, request.url.path)
    kind = result_type(method)
    assert is_typed_dict(kind), f"{name} returns {kind}"
    assert mismatches(kind, success_schema(operation), kind.__name__) == []


def test_a_reservations_latest_answer_is_one_of_the_documented_ones() -> None:
    latest = typing.get_type_hints(ReservationState)["latest"]
    returned = {result_type(getattr(Reservation, name)) for name in RESERVATION_CALLS}
    assert set(typing.get_args(latest)) == returned | {result_type(DreamApi.reserve)}
    usage = typing.get_type_hints(ReservationState)["usage"]
    assert usage is typing.get_type_hints(result_type(DreamApi.reserve))["usage"]


def test_the_errors_read_what_the_error_responses_document() -> None:
    refused = DOCUMENT["paths"]["/api/data"]["post"]["responses"]["403"]["content"]["application/json"]
    properties = refused["schema"]["properties"]
    assert properties["error"] == {"const": TIER_LIMIT_REACHED}
    error = QuotaExceeded("m", status=403, body={"count": 3, "limit": 3, "plan": "free", "creditsBalance": 0})
    read = {
        "count": error.count,
        "limit": error.limit,
        "plan": error.plan,
        "creditsBalance": error.credits_balance,
    }
    assert set(read) <= set(properties) and None not in read.values()
    for status in ("429", "503"):
        assert status in DOCUMENT["paths"]["/api/data"]["post"]["responses"]


def test_a_refused_reservation_and_a_finished_one_read_what_their_answers_document() -> None:
    responses = DOCUMENT["paths"]["/api/reservations"]["post"]["responses"]
    properties = responses["403"]["content"]["application/json"]["schema"]["properties"]
    assert properties["error"] == {"const": TIER_LIMIT_REACHED}
    body = {"error": TIER_LIMIT_REACHED, "message": "m", "count": 0, "limit": 3, "plan": "free"}
    refused = QuotaExceeded("m", status=403, body={**body, "held": 2, "available": 1})
    assert {"held", "available"} <= set(properties) and (refused.held, refused.available) == (2, 1)
    for path in ("/api/reservations/{reservationId}/settle", "/api/reservations/{reservationId}/release"):
        answers = DOCUMENT["paths"][path]["post"]["responses"]
        assert "reservation_settled" in answers["409"]["description"] and "404" in answers
    shown = {key: value for key, value in reservation_body("expired").items() if key != "usage"}
    answer = httpx.Response(
        409,
        json={"error": "reservation_expired", "message": "m", "reservation": shown},
        request=httpx.Request("POST", "https://api.example.test/api/reservations/x/settle"),
    )
    finished = error_from_response(answer)
    assert isinstance(finished, ReservationFinished) and finished.status == 409
    assert (finished.reservation_status, finished.reservation) == ("expired", shown)
    schema = DOCUMENT["paths"]["/api/reservations/{reservationId}"]["get"]["responses"]["200"]
    assert jsonschema_rs.validator_for(schema["content"]["application/json"]["schema"]).is_valid(shown)


# --- retries --------------------------------------------------------------------------------

POLICY = RetryPolicy(max_retries=2, max_retry_after=2.0, jitter=lambda: 0.5)
SENT_NOTHING = httpx.ConnectError("refused")
MAYBE_SENT = httpx.RemoteProtocolError("Server disconnected without sending a response.")


def test_no_answer_is_retried_with_backoff_when_safe_and_only_if_unsent_otherwise() -> None:
    assert [POLICY.after_error(n, MAYBE_SENT, replay_safe=True) for n in range(3)] == [0.1875, 0.375, None]
    assert POLICY.after_error(0, httpx.ReadTimeout("slow"), replay_safe=True) is not None
    assert POLICY.after_error(0, MAYBE_SENT, replay_safe=False) is None  # a key could be made twice
    assert POLICY.after_error(0, SENT_NOTHING, replay_safe=False) is not None
    assert POLICY.after_error(0, httpx.UnsupportedProtocol("ftp://"), replay_safe=True) is None
    assert RetryPolicy(max_retries=0).after_error(0, SENT_NOTHING, replay_safe=True) is None
    assert RetryPolicy(backoff_cap=1.0, jitter=lambda: 0.999).backoff(10) < 1.0


def test_statuses_are_retried_after_retry_after_within_the_cap() -> None:
    assert POLICY.after_status(0, 503, 2.0, replay_safe=True) == 2.0
    assert POLICY.after_status(0, 503, None, replay_safe=False) == 0.1875  # 503: nothing changed
    assert POLICY.after_status(0, 502, None, replay_safe=False) is None
    assert POLICY.after_status(0, 502, None, replay_safe=True) == 0.1875
    assert POLICY.after_status(0, 503, 30.0, replay_safe=True) is None  # longer than max_retry_after
    assert POLICY.after_status(0, 429, 1.0, replay_safe=True) == 1.0
    assert POLICY.after_status(0, 429, None, replay_safe=True) is None  # no Retry-After: no retry
    assert POLICY.after_status(0, 429, 45.0, replay_safe=True) is None
    assert POLICY.after_status(2, 503, 1.0, replay_safe=True) is None  # out of retries
    for status in (400, 401, 403, 404, 409, 422, 500):
        assert POLICY.after_status(0, status, 1.0, replay_safe=True) is None, status


def test_a_metered_call_keeps_one_idempotency_key_across_its_attempts() -> None:
    keys: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        keys.append(request.headers["idempotency-key"])
        if len(keys) == 1:
            return httpx.Response(503, json={"error": "meter_unavailable", "message": "not counted"})
        raise httpx.RemoteProtocolError("Server disconnected without sending a response.")

    with httpx.Client(transport=httpx.MockTransport(answer)) as http:
        client = DreamApi("dream_live_x", base_url="https://api.example.test", http_client=http)
        with pytest.raises(ConnectionFailed) as failed:
            client.meter(USER)
    assert len(keys) == 3 and len(set(keys)) == 1 and keys[0].startswith("sdk_")
    assert failed.value.attempts == 3 and isinstance(failed.value.__cause__, httpx.RemoteProtocolError)


def test_a_reservation_keeps_one_idempotency_key_and_a_settle_is_retried_after_no_answer() -> None:
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if len(sent) == 1:  # nothing changed: try again (at once)
            body = {"error": "meter_unavailable", "message": "not counted"}
            return httpx.Response(503, json=body, headers={"retry-after": "0"})
        if len(sent) == 3:  # perhaps settled: settling again with the same units answers the same
            raise MAYBE_SENT
        if request.url.path.endswith("/settle"):
            return httpx.Response(200, json=reservation_body("settled", reservedUnits=5, shortfall=0))
        return httpx.Response(201, json=reservation_body())

    with httpx.Client(transport=httpx.MockTransport(answer)) as http:
        client = DreamApi("dream_live_x", base_url="https://api.example.test", http_client=http)
        reservation = client.reserve(USER, 5, plan="pro")
        assert reservation.settle(3)["units"] == 5 and reservation.status == "settled"
    keys = [request.headers.get("idempotency-key") for request in sent]
    assert keys[0] == keys[1] == reservation.idempotency_key and keys[0].startswith("sdk_")
    assert keys[2:] == [None, None]  # a settle is the same however often it is sent
    assert [request.url.path for request in sent[2:]] == [f"/api/reservations/{RESERVATION_ID}/settle"] * 2
    assert all(request.headers["x-user-plan"] == "pro" for request in sent)


# --- leaving a reservation's block ---------------------------------------------------------


def leaving(release: httpx.Response | Exception) -> tuple[DreamApi, list[str]]:
    """A client whose reserve holds and whose release answers `release` (or fails with it)."""
    paths: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path.rsplit("/", 1)[-1])
        if request.url.path == "/api/reservations":
            return httpx.Response(201, json=reservation_body())
        if isinstance(release, Exception):
            raise release
        return release

    http = httpx.Client(transport=httpx.MockTransport(answer))
    client = DreamApi("dream_live_x", base_url="https://api.example.test", http_client=http, max_retries=0)
    return client, paths


def test_a_block_that_raises_releases_and_a_failing_release_does_not_hide_its_error() -> None:
    client, paths = leaving(httpx.Response(200, json=reservation_body("released")))
    with pytest.raises(LookupError), client.reserve(USER, 5) as reservation:
        raise LookupError("the work failed")
    assert paths == ["reservations", "release"] and reservation.status == "released"

    client, paths = leaving(httpx.ConnectError("refused"))
    with pytest.raises(LookupError), client.reserve(USER, 5):
        raise LookupError("the work failed")
    assert paths == ["reservations", "release"]


def test_a_block_left_without_a_settle_releases_and_raises_when_that_fails() -> None:
    client, paths = leaving(httpx.ConnectError("refused"))
    with pytest.raises(ConnectionFailed), client.reserve(USER, 5):
        pass
    client, paths = leaving(httpx.Response(503, json={"error": "meter_unavailable", "message": "m"}))
    with pytest.raises(MeterUnavailable), client.reserve(USER, 5):
        pass
    expired = {key: value for key, value in reservation_body("expired").items() if key != "usage"}
    gone = {"error": "reservation_expired", "message": "m", "reservation": expired}
    client, paths = leaving(httpx.Response(409, json=gone))
    with client.reserve(USER, 5) as reservation:
        pass  # expired meanwhile: it holds nothing, as a release would have made it
    assert paths == ["reservations", "release"] and reservation.status == "expired"


async def test_the_async_reservation_is_awaited_or_entered_and_released_alike() -> None:
    paths: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        paths.append(request.url.path.rsplit("/", 1)[-1])
        if request.url.path == "/api/reservations":
            return httpx.Response(201, json=reservation_body())
        return httpx.Response(200, json=reservation_body("released"))

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        client = AsyncDreamApi("dream_live_x", base_url="https://api.example.test", http_client=http)
        with pytest.raises(LookupError):
            async with client.reserve(USER, 5) as entered:
                assert isinstance(entered, AsyncReservation) and entered.status == "held"
                raise LookupError("the work failed")
        assert entered.status == "released"
        awaited = await client.reserve(USER, 5)
        async with awaited:
            pass
        assert awaited.status == "released"
    assert paths == ["reservations", "release"] * 2
