"""oauth_api's routes, each with what it takes and answers (served as /openapi.json)."""

from __future__ import annotations

from dreamapi.app import App
from dreamapi.health import add_health_route
from dreamapi.openapi import (
    BOOLEAN,
    INTEGER,
    NULLABLE_STRING,
    STRING,
    Operation,
    obj,
    query,
    stripe_webhook_operation,
)
from dreamapi.router import Router
from oauth_api import github_routes, status_routes, stripe_routes

DEVELOPER = ("developerSession",)
TO_PROVIDER = {302: ("To the provider's consent page (sets the flow cookie)", None)}
TO_DASHBOARD = {302: ("Back to the dashboard, with the outcome in the query", None)}
CALLBACK_PARAMETERS = (
    query("code", required=False),
    query("state", required=False),
    query("error", required=False),
)
DISCONNECTED = obj({"disconnected": BOOLEAN, "accountId": STRING}, ("disconnected",))


def create_app() -> App:
    router = Router()
    add_health_route(router, "oauth_api")
    router.add(
        "POST",
        "/connect/ticket",
        status_routes.create_ticket,
        Operation(
            "A one-time ticket (60 s) to start a browser flow",
            security=DEVELOPER,
            responses={
                201: ("Ticket", obj({"ticket": STRING, "expiresIn": INTEGER}, ("ticket", "expiresIn")))
            },
        ),
    )
    router.add(
        "GET",
        "/status",
        status_routes.status,
        Operation(
            "Which providers are connected",
            security=DEVELOPER,
            responses={
                200: (
                    "Status",
                    obj(
                        {
                            "platformId": {"type": ["string", "null"]},
                            "stripe": obj(
                                {
                                    "connected": BOOLEAN,
                                    "onboardingPending": BOOLEAN,
                                    "accountId": STRING,
                                    "method": NULLABLE_STRING,
                                    "connectedAt": NULLABLE_STRING,
                                },
                                ("connected", "onboardingPending"),
                            ),
                            "github": obj(
                                {"connected": BOOLEAN, "login": STRING, "id": INTEGER, "connectedAt": STRING},
                                ("connected",),
                            ),
                        },
                        ("stripe", "github"),
                    ),
                )
            },
        ),
    )
    router.add(
        "GET",
        "/stripe/connect",
        stripe_routes.connect,
        Operation(
            "Start Stripe Connect OAuth", parameters=(query("ticket"),), responses=TO_PROVIDER, redirect=True
        ),
    )
    router.add(
        "GET",
        "/stripe/callback",
        stripe_routes.callback,
        Operation(
            "Stripe's redirect back", parameters=CALLBACK_PARAMETERS, responses=TO_DASHBOARD, redirect=True
        ),
    )
    router.add(
        "POST",
        "/stripe/onboard",
        stripe_routes.onboard,
        Operation(
            "Connect Onboarding: an Account Link for a Standard account",
            security=DEVELOPER,
            responses={
                200: ("Account Link", obj({"url": STRING, "accountId": STRING}, ("url", "accountId")))
            },
        ),
    )
    router.add(
        "POST",
        "/stripe/disconnect",
        stripe_routes.disconnect,
        Operation(
            "Deauthorize and forget the connected account",
            security=DEVELOPER,
            responses={200: ("Disconnected", DISCONNECTED)},
        ),
    )
    router.add(
        "POST",
        "/webhook/stripe",
        stripe_routes.account_webhook,
        stripe_webhook_operation("Stripe Connect account events (signed)"),
    )
    router.add(
        "GET",
        "/github/connect",
        github_routes.connect,
        Operation("Start GitHub OAuth", parameters=(query("ticket"),), responses=TO_PROVIDER, redirect=True),
    )
    router.add(
        "GET",
        "/github/callback",
        github_routes.callback,
        Operation(
            "GitHub's redirect back", parameters=CALLBACK_PARAMETERS, responses=TO_DASHBOARD, redirect=True
        ),
    )
    router.add(
        "POST",
        "/github/disconnect",
        github_routes.disconnect,
        Operation(
            "Forget the GitHub account", security=DEVELOPER, responses={200: ("Disconnected", DISCONNECTED)}
        ),
    )
    return App("oauth_api", router)
