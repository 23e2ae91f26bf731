"""The shared request pipeline, run in-process on CPython."""

from __future__ import annotations

import json
import logging

import pytest

from dreamapi.app import App
from dreamapi.body import json_object
from dreamapi.http import Request, json_response
from dreamapi.ports.kv import StorageUnavailableError
from dreamapi.router import Router
from dreamapi.runtime.cpython import call, cpython_services

DASHBOARD = "http://localhost:5173"


async def echo(request: Request, services) -> object:
    return json_response({"got": json_object(request)})


async def explode(request: Request, services) -> object:
    raise RuntimeError("secret sk_test_should_not_leak")


async def storage_down(request: Request, services) -> object:
    raise StorageUnavailableError("KV get failed: JsException")


def make_app() -> App:
    router = Router()
    router.add("POST", "/echo", echo)
    router.add("GET", "/explode", explode)
    router.add("GET", "/storage", storage_down)
    router.add("GET", "/ping", lambda request, services: _async(json_response({"pong": True})))
    return App("test", router)


async def _async(value: object) -> object:
    return value


@pytest.fixture()
def services():
    return cpython_services({"MAX_BODY_BYTES": "100", "ALLOWED_ORIGINS": "https://admin.example"})


async def test_json_body_round_trip(services) -> None:
    reply = await call(
        make_app(), services, "POST", "/echo", headers={"content-type": "application/json"}, body=b'{"a":1}'
    )
    assert reply.status == 200 and reply.json() == {"got": {"a": 1}}
    assert reply.headers.get("x-request-id").startswith("req_")
    assert reply.headers.get("cache-control") == "no-store"


@pytest.mark.parametrize(
    ("body", "content_type", "error"),
    [
        (b"{", "application/json", "invalid_json"),
        (b"{}", "text/plain", "unsupported_content_type"),
        (b"[]", "application/json", "invalid_body"),
        (b"", "application/json", "missing_body"),
    ],
)
async def test_bad_bodies_are_400(services, body: bytes, content_type: str, error: str) -> None:
    reply = await call(
        make_app(), services, "POST", "/echo", headers={"content-type": content_type}, body=body
    )
    assert reply.status == 400 and reply.json()["error"] == error


async def test_bodies_over_the_limit_are_413_by_declared_or_actual_length(services) -> None:
    app = make_app()
    declared = await call(app, services, "POST", "/echo", headers={"content-length": "101"})
    assert declared.status == 413 and declared.json()["error"] == "payload_too_large"
    actual = await call(app, services, "POST", "/echo", headers={"content-length": "1"}, body=b"x" * 101)
    assert actual.status == 413
    garbled = await call(app, services, "POST", "/echo", headers={"content-length": "ten"})
    assert garbled.status == 400 and garbled.json()["error"] == "invalid_content_length"


async def test_unhandled_errors_are_json_500_without_details(services, caplog) -> None:
    with caplog.at_level(logging.ERROR):
        reply = await call(make_app(), services, "GET", "/explode")
    assert reply.status == 500 and reply.json()["error"] == "internal_error"
    assert b"sk_test" not in reply.body
    assert "RuntimeError" in caplog.text and "sk_test" not in caplog.text


async def test_preflight_for_allowed_origin(services) -> None:
    reply = await call(
        make_app(),
        services,
        "OPTIONS",
        "/echo",
        headers={
            "origin": DASHBOARD,
            "access-control-request-method": "POST",
            "access-control-request-headers": "Content-Type, X-User-Id",
        },
    )
    assert reply.status == 204
    assert reply.headers.get("access-control-allow-origin") == DASHBOARD
    assert reply.headers.get("access-control-allow-methods") == "OPTIONS, POST"
    second = await call(
        make_app(),
        services,
        "OPTIONS",
        "/echo",
        headers={"origin": "https://admin.example", "access-control-request-method": "POST"},
    )
    assert second.status == 204


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        (
            {"origin": "https://evil.example", "access-control-request-method": "POST"},
            "cors_origin_not_allowed",
        ),
        ({"origin": DASHBOARD, "access-control-request-method": "DELETE"}, "cors_method_not_allowed"),
        (
            {
                "origin": DASHBOARD,
                "access-control-request-method": "POST",
                "access-control-request-headers": "x-admin",
            },
            "cors_header_not_allowed",
        ),
    ],
)
async def test_preflight_refusals(services, headers: dict, error: str) -> None:
    reply = await call(make_app(), services, "OPTIONS", "/echo", headers=headers)
    assert reply.status == 403 and reply.json()["error"] == error
    assert reply.headers.get("access-control-allow-methods") is None
    if headers["origin"] != DASHBOARD:
        assert reply.headers.get("access-control-allow-origin") is None


async def test_preflight_to_unknown_path_is_404(services) -> None:
    reply = await call(
        make_app(),
        services,
        "OPTIONS",
        "/nope",
        headers={"origin": DASHBOARD, "access-control-request-method": "GET"},
    )
    assert reply.status == 404


async def test_plain_options_lists_allow(services) -> None:
    reply = await call(make_app(), services, "OPTIONS", "/ping")
    assert reply.status == 204 and reply.headers.get("allow") == "GET, HEAD, OPTIONS"


async def test_head_has_headers_but_no_body(services) -> None:
    reply = await call(make_app(), services, "HEAD", "/ping")
    assert reply.status == 200 and reply.body == b""


async def test_foreign_origin_gets_no_cors_headers(services) -> None:
    reply = await call(make_app(), services, "GET", "/ping", headers={"origin": "https://evil.example"})
    assert reply.status == 200
    assert reply.headers.get("access-control-allow-origin") is None
    assert reply.headers.get("vary") == "Origin"
    assert json.loads(reply.body) == {"pong": True}


def test_settings_parse_numbers_and_origins() -> None:
    from dreamapi.settings import Settings

    settings = Settings.from_env(
        {
            "FRONTEND_URL": "https://Dash.example/app/",
            "ALLOWED_ORIGINS": "https://a.example, junk",
            "MAX_BODY_BYTES": "10",
        }
    )
    assert settings.allowed_origins == {"https://dash.example", "https://a.example"}
    assert settings.max_body_bytes == 10 and settings.clock_offset_seconds == 0.0
    with pytest.raises(ValueError, match="MAX_BODY_BYTES"):
        Settings.from_env({"MAX_BODY_BYTES": "lots"})


async def test_a_storage_failure_is_503_with_retry_after_not_500(services, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="dreamapi"):
        reply = await call(make_app(), services, "GET", "/storage")
    assert reply.status == 503
    assert reply.json() == {
        "error": "storage_unavailable",
        "message": "Storage did not answer; retry shortly",
    }
    assert reply.headers.get("retry-after") == "2"
    assert "KV get failed" in caplog.text


def test_stripe_unreachable_is_502_with_retry_after_and_refusals_say_why() -> None:
    import stripe

    from dreamapi.stripe_gateway import stripe_failure

    unreachable = stripe_failure(stripe.APIConnectionError("Could not reach Stripe", should_retry=True))
    assert (unreachable.status, unreachable.error) == (502, "stripe_unavailable")
    assert unreachable.headers == {"retry-after": "2"}
    refused = stripe_failure(
        stripe.InvalidRequestError(
            "No such price", "price", json_body={"error": {"message": "No such price"}}
        )
    )
    assert (refused.status, refused.error, refused.message) == (502, "stripe_error", "Stripe: No such price")
    assert "retry-after" not in refused.headers
