"""CPython wiring of the ports (unit tests and scripts): in-memory KV, urllib, `cryptography`."""

from __future__ import annotations

from collections.abc import Mapping

from dreamapi.app import App
from dreamapi.http import Headers, Request, Response
from dreamapi.ports.clock import Clock, SystemClock
from dreamapi.ports.kv import KVNamespace, MemoryKV
from dreamapi.ports.outbound import HttpClient, UrllibHttpClient
from dreamapi.ports.signatures import CryptographyVerifier
from dreamapi.services import KV_BINDINGS, Services
from dreamapi.settings import Settings


def cpython_services(
    env: Mapping[str, str] | None = None,
    *,
    clock: Clock | None = None,
    http: HttpClient | None = None,
    kv_bindings: Mapping[str, KVNamespace] | None = None,
) -> Services:
    env = dict(env or {})
    clock = clock or SystemClock()
    return Services(
        env=env,
        settings=Settings.from_env(env),
        clock=clock,
        http=http or UrllibHttpClient(),
        rs256=CryptographyVerifier(),
        kv_bindings=dict(kv_bindings)
        if kv_bindings is not None
        else {n: MemoryKV(clock) for n in KV_BINDINGS},
    )


async def call(
    app: App,
    services: Services,
    method: str,
    path: str,
    *,
    headers: Mapping[str, str] | None = None,
    body: bytes = b"",
) -> Response:
    """Runs one request through an app in-process, as the workers adapter would."""
    request_headers = Headers(headers or {})
    if body and "content-length" not in request_headers:
        request_headers.set("content-length", str(len(body)))
    return await app.handle(Request.from_url(method, path, request_headers, body), services)
