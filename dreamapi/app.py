"""The request pipeline every worker shares: ids, limits, CORS, routing, JSON errors."""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

from dreamapi import cors, openapi
from dreamapi.errors import ApiError, unavailable
from dreamapi.http import Headers, Request, Response, json_response
from dreamapi.ports.kv import StorageUnavailableError
from dreamapi.router import Router
from dreamapi.services import Services

logger = logging.getLogger("dreamapi")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def request_id_for(request: Request) -> str:
    incoming = request.headers.get("x-request-id")
    if incoming and _REQUEST_ID.match(incoming):
        return incoming
    return "req_" + secrets.token_hex(12)


def _declared_length(request: Request) -> int | None:
    raw = request.headers.get("content-length")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiError(400, "invalid_content_length", "Content-Length must be an integer") from None


class App:
    def __init__(self, name: str, router: Router) -> None:
        self.name = name
        self.router = router
        router.add("GET", "/openapi.json", self._serve_openapi, openapi.OPENAPI_OPERATION)

    def openapi_document(self) -> dict[str, Any]:
        documented = [
            (r.method, r.pattern, r.operation) for r in self.router.routes if r.operation is not None
        ]
        return openapi.document(f"dream-api {self.name}", documented)

    async def _serve_openapi(self, request: Request, services: Services) -> Response:
        return json_response(self.openapi_document())

    async def handle(self, request: Request, services: Services) -> Response:
        services.request_id = request_id_for(request)
        try:
            response = await self._dispatch(request, services)
        except StorageUnavailableError as failure:
            logger.warning("%s: %s (request %s)", self.name, failure, services.request_id)
            error = unavailable("Storage did not answer; retry shortly", "storage_unavailable")
            response = json_response(error.body(), error.status, error.headers)
        except ApiError as error:
            response = json_response(error.body(), error.status, error.headers)
        except Exception as error:  # noqa: BLE001 - the last line of defence must never leak details
            logger.error(
                "%s: unhandled %s on %s %s (request %s)",
                self.name,
                error.__class__.__name__,
                request.method,
                request.path,
                services.request_id,
            )
            response = json_response(
                {"error": "internal_error", "message": f"Internal error; request id {services.request_id}"},
                500,
            )
        cors.add_cors_headers(request, response, services.settings.allowed_origins)
        response.headers.set("x-request-id", services.request_id)
        if services.settings.expose_kv_ops:  # benchmarks count KV operations at the port
            response.headers.set("x-kv-ops", services.kv_ops.header())
            response.headers.set("x-meter-ops", services.meter_ops.header())
        response.headers.setdefault("x-content-type-options", "nosniff")
        response.headers.setdefault("cache-control", "no-store")
        if request.method == "HEAD":
            response.body = b""
        return response

    async def _dispatch(self, request: Request, services: Services) -> Response:
        limit = services.settings.max_body_bytes
        declared = _declared_length(request)
        if (declared is not None and declared > limit) or len(request.body) > limit:
            raise ApiError(413, "payload_too_large", f"Request body exceeds {limit} bytes")
        if cors.is_preflight(request):
            allowed = self.router.allowed_methods(request.path)
            if not allowed:
                self.router.resolve(request.method, request.path)  # raises the 404
            return cors.preflight_response(request, services.settings.allowed_origins, allowed)
        if request.method == "OPTIONS":
            allowed = self.router.allowed_methods(request.path)
            if not allowed:
                self.router.resolve(request.method, request.path)
            return Response(status=204, headers=Headers({"allow": ", ".join(allowed)}))
        handler, params = self.router.resolve(request.method, request.path)
        request.path_params = params
        return await handler(request, services)
