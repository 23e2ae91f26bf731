"""Floor: the least any HTTP adapter in a Python worker does, written without one. It reads the
method, URL and every header (one crossing each) and answers JSON with a content type and a
request id: what the baseline does before its own policy (routing, CORS, limits, errors)."""

from js import Object, Response  # type: ignore[import-not-found]
from pyodide.ffi import to_js  # type: ignore[import-not-found]

BODY = '{"success":true,"userId":"floor","usage":{"count":1,"limit":5,"plan":"free","remaining":4}}'


async def on_fetch(request, env, ctx):
    method, url = request.method, request.url
    headers = Object.fromEntries(request.headers).to_py()
    request_id = headers.get("x-request-id") or "req_floor"
    reply_headers = [("content-type", "application/json; charset=utf-8"), ("x-request-id", request_id)]
    return Response.new(BODY if method and url else "", status=200, headers=to_js(reply_headers))
