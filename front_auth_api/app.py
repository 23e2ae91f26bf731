"""front_auth_api's routes."""

from __future__ import annotations

from dreamapi.app import App
from dreamapi.health import add_health_route
from dreamapi.router import Router
from front_auth_api import billing_routes, credentials_routes, usage_routes, webhook_routes


def create_app() -> App:
    router = Router()
    add_health_route(router, "front_auth_api")
    router.add("POST", "/verify-auth", usage_routes.verify_auth)
    router.add("GET", "/usage", usage_routes.get_usage)
    router.add("POST", "/create-checkout", billing_routes.create_checkout)
    router.add("POST", "/create-portal", billing_routes.create_portal)
    router.add("POST", "/webhook/stripe", webhook_routes.stripe_webhook)
    router.add("POST", "/generate-credentials", credentials_routes.generate_credentials)
    router.add("POST", "/rotate-key", credentials_routes.rotate_key)
    router.add("GET", "/get-credentials", credentials_routes.get_credentials)
    return App("front_auth_api", router)
