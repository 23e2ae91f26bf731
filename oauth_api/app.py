"""oauth_api's routes."""

from __future__ import annotations

from dreamapi.app import App
from dreamapi.health import add_health_route
from dreamapi.router import Router
from oauth_api import github_routes, status_routes, stripe_routes


def create_app() -> App:
    router = Router()
    add_health_route(router, "oauth_api")
    router.add("POST", "/connect/ticket", status_routes.create_ticket)
    router.add("GET", "/status", status_routes.status)
    router.add("GET", "/stripe/connect", stripe_routes.connect)
    router.add("GET", "/stripe/callback", stripe_routes.callback)
    router.add("POST", "/stripe/onboard", stripe_routes.onboard)
    router.add("POST", "/stripe/disconnect", stripe_routes.disconnect)
    router.add("POST", "/webhook/stripe", stripe_routes.account_webhook)
    router.add("GET", "/github/connect", github_routes.connect)
    router.add("GET", "/github/callback", github_routes.callback)
    router.add("POST", "/github/disconnect", github_routes.disconnect)
    return App("oauth_api", router)
