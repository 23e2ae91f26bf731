"""The gateway's routes: /{platformId}/{path} forwards to the platform's origin (any method its
config routes); /health and /openapi.json as every worker."""

from __future__ import annotations

from dreamapi.app import App
from dreamapi.gateway_config import METHODS
from dreamapi.health import add_health_route
from dreamapi.router import Router
from gateway.forwarding import FORWARD_OPERATION, forward


def create_app() -> App:
    router = Router()
    add_health_route(router, "gateway")
    for method in METHODS:
        router.add(method, "/{platformId}/{path:path}", forward, FORWARD_OPERATION)
    return App("gateway", router)
