from __future__ import annotations

import pytest

from dreamapi.errors import ApiError
from dreamapi.http import Headers, Request, json_response
from dreamapi.router import Router


def test_headers_are_case_insensitive_and_keep_repeats() -> None:
    headers = Headers([("Content-Type", "a"), ("Set-Cookie", "1"), ("set-cookie", "2")])
    assert headers.get("content-type") == "a"
    assert headers.get_all("SET-COOKIE") == ["1", "2"]
    headers.set("CONTENT-TYPE", "b")
    assert headers.get_all("content-type") == ["b"]
    assert "Authorization" not in headers
    assert "b" not in repr(headers)  # values (credentials) never printed


def test_request_from_url_parses_path_and_query() -> None:
    request = Request.from_url("get", "/api/tiers?platformId=plt_1&x=&x=2")
    assert request.method == "GET" and request.path == "/api/tiers"
    assert request.query_param("platformId") == "plt_1"
    assert request.query["x"] == ["", "2"]
    assert Request.from_url("GET", "").path == "/"


def test_json_response_is_compact_utf8_json() -> None:
    response = json_response({"a": "é"}, 201, {"x-extra": "1"})
    assert response.status == 201
    assert response.body == '{"a":"é"}'.encode()
    assert response.headers.get("content-type") == "application/json; charset=utf-8"
    assert response.headers.get("x-extra") == "1"


async def _handler(request, services):
    return json_response(request.path_params)


def _router() -> Router:
    router = Router()
    router.add("GET", "/p/{platformId}", _handler)
    router.add("POST", "/p/{platformId}", _handler)
    router.add("GET", "/health", _handler)
    return router


def test_router_extracts_path_params() -> None:
    handler, params = _router().resolve("GET", "/p/plt_abc")
    assert handler is _handler and params == {"platformId": "plt_abc"}


def test_router_answers_head_with_the_get_route() -> None:
    assert _router().resolve("HEAD", "/health")[0] is _handler


def test_router_404_for_unknown_paths() -> None:
    with pytest.raises(ApiError) as raised:
        _router().resolve("GET", "/p/a/b")
    assert raised.value.status == 404 and raised.value.error == "not_found"


def test_router_405_lists_allowed_methods() -> None:
    with pytest.raises(ApiError) as raised:
        _router().resolve("DELETE", "/p/x")
    assert raised.value.status == 405
    assert raised.value.headers["allow"] == "GET, HEAD, OPTIONS, POST"
