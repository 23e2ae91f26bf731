"""api_multi's scheduled job (overage reports, dreamapi.overage_reports), started by its cron
trigger in production (entry.py) and, where the runtime cannot deliver a ScheduledEvent to a
Python worker (the pinned local one), by `POST /internal/scheduled` with CRON_SECRET. Without
CRON_SECRET the route does not exist."""

from __future__ import annotations

import hmac
from dataclasses import asdict

from dreamapi.clerk import bearer_token
from dreamapi.errors import not_found, unauthorized
from dreamapi.http import Request, Response, json_response
from dreamapi.openapi import ERROR, INTEGER, Operation, obj
from dreamapi.overage_reports import report_overage
from dreamapi.router import Router
from dreamapi.services import Services


async def run_scheduled(request: Request, services: Services) -> Response:
    secret = services.env.get("CRON_SECRET")
    if not secret:
        raise not_found(f"No route for {request.path}")
    if not hmac.compare_digest(bearer_token(request.headers.get("authorization")).encode(), secret.encode()):
        raise unauthorized("This route needs the CRON_SECRET bearer token", "invalid_token")
    run = await report_overage(services)
    return json_response({"overage": asdict(run)})


def add_routes(router: Router) -> None:
    router.add(
        "POST",
        "/internal/scheduled",
        run_scheduled,
        Operation(
            "Run the scheduled job now (what the cron trigger runs): report overage to Stripe. "
            "Needs `Authorization: Bearer <CRON_SECRET>`; absent (404) when CRON_SECRET is unset",
            body_required=False,
            responses={
                200: (
                    "What the run did",
                    obj({"overage": obj({"subjects": INTEGER, "units": INTEGER})}, ("overage",)),
                ),
                401: ("Not the CRON_SECRET", ERROR),
                404: ("CRON_SECRET is not set on this worker", ERROR),
            },
        ),
    )
