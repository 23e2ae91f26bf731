"""`GET /health`, the same on every worker."""

from __future__ import annotations

from dreamapi.http import Request, Response, json_response
from dreamapi.openapi import HEALTH_OPERATION
from dreamapi.router import Router
from dreamapi.services import KV_BINDINGS, Services
from dreamapi.time_format import iso_utc


def add_health_route(router: Router, service_name: str) -> None:
    async def health(request: Request, services: Services) -> Response:
        return json_response(
            {
                "status": "ok",
                "service": service_name,
                "time": iso_utc(services.clock.now()),
                "kv": {name: name in services.kv_bindings for name in KV_BINDINGS},
                "meterBound": services.meter_port is not None,
            }
        )

    router.add("GET", "/health", health, HEALTH_OPERATION)
