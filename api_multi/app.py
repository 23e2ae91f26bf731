"""api_multi's routes: each route module declares its operations and what they take and answer
beside its handlers (served as /openapi.json); this only puts the routers together."""

from __future__ import annotations

from api_multi import (
    analytics_routes,
    billing_routes,
    credits_routes,
    developer,
    developer_keys,
    developer_webhooks,
    gateway_routes,
    portal_routes,
    reservations_routes,
    scheduled_routes,
    tiers_routes,
    usage_routes,
    user_keys_routes,
    webhook_routes,
)
from dreamapi.app import App
from dreamapi.health import add_health_route
from dreamapi.router import Router

# In this order in the OpenAPI document.
ROUTE_MODULES = (
    usage_routes,
    reservations_routes,
    tiers_routes,
    developer,
    billing_routes,
    portal_routes,
    credits_routes,
    analytics_routes,
    webhook_routes,
    developer_keys,
    user_keys_routes,
    scheduled_routes,
    developer_webhooks,
    gateway_routes,
)


def create_app() -> App:
    router = Router()
    add_health_route(router, "api_multi")
    for module in ROUTE_MODULES:
        module.add_routes(router)
    return App("api_multi", router)
