"""oauth_api's routes."""

from __future__ import annotations

from dreamapi.app import App
from dreamapi.health import add_health_route
from dreamapi.router import Router


def create_app() -> App:
    router = Router()
    add_health_route(router, "oauth_api")
    return App("oauth_api", router)
