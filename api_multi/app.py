"""api_multi's routes."""

from __future__ import annotations

from api_multi import billing_routes, developer, tiers_routes, usage_routes, webhook_routes
from dreamapi.app import App
from dreamapi.health import add_health_route
from dreamapi.router import Router


def create_app() -> App:
    router = Router()
    add_health_route(router, "api_multi")
    router.add("POST", "/api/data", usage_routes.track_call)
    router.add("GET", "/api/usage", usage_routes.get_usage)
    router.add("GET", "/api/tiers", tiers_routes.get_tiers)
    router.add("PUT", "/api/developer/tiers", developer.put_tiers)
    router.add("POST", "/api/developer/register", developer.register)
    router.add("GET", "/api/developer/dashboard", developer.dashboard)
    router.add("POST", "/api/create-checkout", billing_routes.create_checkout)
    router.add("POST", "/api/customer-portal", billing_routes.customer_portal)
    router.add("POST", "/webhook/stripe", webhook_routes.stripe_webhook)
    return App("api_multi", router)
