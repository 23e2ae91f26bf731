"""front_auth_api's routes."""

from __future__ import annotations

from dreamapi.app import App
from dreamapi.health import add_health_route
from dreamapi.router import Router
from front_auth_api import credentials_routes


def create_app() -> App:
    router = Router()
    add_health_route(router, "front_auth_api")
    router.add("POST", "/generate-credentials", credentials_routes.generate_credentials)
    router.add("POST", "/rotate-key", credentials_routes.rotate_key)
    router.add("GET", "/get-credentials", credentials_routes.get_credentials)
    return App("front_auth_api", router)
