"""The baseline's one route answers what a metered call answers, without auth or KV."""

from __future__ import annotations

from dreamapi.app import App
from dreamapi.health import add_health_route
from dreamapi.http import Request, Response, json_response
from dreamapi.router import Router
from dreamapi.services import Services

BODY = {
    "success": True,
    "userId": "baseline",
    "usage": {"count": 1, "limit": 5, "plan": "free", "periodStart": "", "periodEnd": "", "remaining": 4},
}


async def no_op(request: Request, services: Services) -> Response:
    return json_response(BODY)


def create_app() -> App:
    router = Router()
    add_health_route(router, "bench_baseline")
    router.add("POST", "/api/data", no_op)
    return App("bench_baseline", router)
