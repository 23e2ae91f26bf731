"""api_multi's routes."""

from __future__ import annotations

from api_multi import developer, tiers_routes
from dreamapi.app import App
from dreamapi.health import add_health_route
from dreamapi.router import Router


def create_app() -> App:
    router = Router()
    add_health_route(router, "api_multi")
    router.add("GET", "/api/tiers", tiers_routes.get_tiers)
    router.add("POST", "/api/developer/register", developer.register)
    return App("api_multi", router)
