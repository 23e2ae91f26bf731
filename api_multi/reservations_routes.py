"""Reservations of end users' units: hold before work whose cost is known only afterwards, then
settle what it cost or release it (dreamapi.reservations). Authenticated like /api/data."""

from __future__ import annotations

from typing import Any

from api_multi.end_user_auth import authenticate_end_user
from api_multi.schemas import END_USER, END_USER_HEADERS, IDEMPOTENCY_KEY
from dreamapi import meter_subjects, reservations
from dreamapi.body import json_object
from dreamapi.end_user import EndUser
from dreamapi.end_user_metering import end_user_metering
from dreamapi.errors import bad_request
from dreamapi.http import Request, Response, json_response
from dreamapi.idempotency import idempotency_of
from dreamapi.openapi import (
    ERROR,
    INTEGER,
    METER_UNAVAILABLE,
    STRING,
    TIER_LIMIT_REACHED,
    USAGE,
    Operation,
    obj,
    path_parameter,
)
from dreamapi.reservations import MAX_TTL_SECONDS, MAX_UNITS, Reservations, ReservationStep
from dreamapi.router import Router
from dreamapi.services import Services


def _integer_field(
    body: dict[str, Any], name: str, low: int, high: int, default: int | None, error: str
) -> int:
    value = body.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise bad_request(f"'{name}' must be an integer from {low} to {high}", error)
    return value


def _answer(user: EndUser, step: ReservationStep, status: int = 200, **fields: Any) -> Response:
    body = {
        **step.reservation.to_json(),
        **fields,
        "userId": user.user_id,
        "platformId": user.platform_id,
        "usage": step.usage.report(),
    }
    return json_response(body, status, headers=step.headers())


async def create_reservation(request: Request, services: Services) -> Response:
    user = await authenticate_end_user(request, services)
    body = json_object(request)
    units = _integer_field(body, "units", 1, MAX_UNITS, None, "invalid_units")
    ttl = _integer_field(
        body, "ttlSeconds", 1, MAX_TTL_SECONDS, reservations.DEFAULT_TTL_SECONDS, "invalid_ttl"
    )
    parameters = {"plan": request.headers.get("x-user-plan"), "units": units, "ttlSeconds": ttl}
    idempotency = idempotency_of(request, parameters)
    now = services.clock.now()
    metering = await end_user_metering(user, services, now)
    step = await Reservations(services.meter).reserve(
        metering.subject, metering.terms, units=units, ttl_seconds=ttl, now=now, idempotency=idempotency
    )
    return _answer(user, step, 201)


async def settle_reservation(request: Request, services: Services) -> Response:
    user = await authenticate_end_user(request, services)
    reservation_id = reservations.require_reservation_id(request.path_params["reservationId"])
    units = _integer_field(json_object(request), "units", 0, MAX_UNITS, None, "invalid_units")
    now = services.clock.now()
    metering = await end_user_metering(user, services, now)
    step = await Reservations(services.meter).settle(
        metering.subject, metering.terms, reservation_id, units=units, now=now
    )
    settled = step.reservation
    return _answer(
        user, step, units=settled.settled_units, reservedUnits=settled.units, shortfall=step.shortfall
    )


async def release_reservation(request: Request, services: Services) -> Response:
    user = await authenticate_end_user(request, services)
    reservation_id = reservations.require_reservation_id(request.path_params["reservationId"])
    now = services.clock.now()
    metering = await end_user_metering(user, services, now)
    step = await Reservations(services.meter).release(
        metering.subject, metering.terms, reservation_id, now=now
    )
    return _answer(user, step)


async def get_reservation(request: Request, services: Services) -> Response:
    user = await authenticate_end_user(request, services)
    reservation_id = reservations.require_reservation_id(request.path_params["reservationId"])
    subject = meter_subjects.end_user(user.platform_id, user.user_id)
    reservation = await Reservations(services.meter).get(subject, reservation_id)
    return json_response({**reservation.to_json(), "userId": user.user_id, "platformId": user.platform_id})


USAGE_HELD = {**USAGE, "required": [*USAGE["required"], "held"]}
STATUS = {"enum": list(reservations.STATUSES)}
RESERVATION = obj(
    {
        "id": {"type": "string", "pattern": reservations.ID_PATTERN},
        "userId": STRING,
        "platformId": STRING,
        "units": {"type": "integer", "description": "units held (the most the work may cost)"},
        "status": STATUS,
        "expiresAt": STRING,
        "createdAt": STRING,
        "finishedAt": STRING,
        "settledUnits": INTEGER,
        "shortfall": INTEGER,
    },
    ("id", "units", "status", "expiresAt", "createdAt"),
)
RESERVED = obj({**RESERVATION["properties"], "usage": USAGE_HELD}, (*RESERVATION["required"], "usage"))
SETTLED = obj(
    {
        **RESERVED["properties"],
        "units": {"type": "integer", "description": "units counted"},
        "reservedUnits": INTEGER,
        "shortfall": {"type": "integer", "description": "units asked for beyond what could be covered"},
    },
    (*RESERVED["required"], "reservedUnits", "shortfall"),
)
LIMIT_WITH_HOLDS = {**TIER_LIMIT_REACHED, "required": [*TIER_LIMIT_REACHED["required"], "held"]}
RESERVATION_IN_PATH = path_parameter("reservationId", reservations.ID_PATTERN, "A reservation's id (rsv_…)")
NOT_FOUND = ("No such reservation for this end user", ERROR)
FINISHED = (
    "Settled with other units (reservation_settled), released or expired; nothing changed",
    obj({**ERROR["properties"], "reservation": RESERVATION}, (*ERROR["required"], "reservation")),
)
_BY_ID = {"path.reservationId": "$response.body#/id"}
THE_RESERVATION = {
    "SettleIt": {"operationId": "post_api_reservations_reservationId_settle", "parameters": _BY_ID},
    "ReleaseIt": {"operationId": "post_api_reservations_reservationId_release", "parameters": _BY_ID},
    "ReadIt": {"operationId": "get_api_reservations_reservationId", "parameters": _BY_ID},
}


def add_routes(router: Router) -> None:
    router.add(
        "POST",
        "/api/reservations",
        create_reservation,
        Operation(
            "Hold units for work whose cost is known only afterwards (counts one call against the "
            "per-minute rate): no other call or reservation can spend them until it is settled, "
            "released or expires",
            security=END_USER,
            parameters=(*END_USER_HEADERS, IDEMPOTENCY_KEY),
            body=obj(
                {
                    "units": {"type": "integer", "minimum": 1, "maximum": MAX_UNITS},
                    "ttlSeconds": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": MAX_TTL_SECONDS,
                        "default": reservations.DEFAULT_TTL_SECONDS,
                    },
                },
                ("units",),
            ),
            responses={
                201: ("Held (or the reservation recorded for this Idempotency-Key)", RESERVED),
                400: ("invalid_units / invalid_ttl", ERROR),
                403: ("Not that many units available beside what is held; nothing held", LIMIT_WITH_HOLDS),
                422: ("This Idempotency-Key was used with other parameters", ERROR),
                429: ("Per-minute rate limit reached; nothing held", ERROR),
                503: METER_UNAVAILABLE,
            },
            links={201: THE_RESERVATION},
        ),
    )
    router.add(
        "GET",
        "/api/reservations/{reservationId}",
        get_reservation,
        Operation(
            "A reservation as it stands",
            security=END_USER,
            parameters=(RESERVATION_IN_PATH, *END_USER_HEADERS),
            responses={200: ("The reservation", RESERVATION), 404: NOT_FOUND, 503: METER_UNAVAILABLE},
        ),
    )
    router.add(
        "POST",
        "/api/reservations/{reservationId}/settle",
        settle_reservation,
        Operation(
            "Count what the work cost as one metered call and free the rest of the hold; more than "
            "was held is taken only from what is free (the rest is the shortfall, not counted). "
            "Settling again with the same units answers the same",
            security=END_USER,
            parameters=(RESERVATION_IN_PATH, *END_USER_HEADERS),
            body=obj({"units": {"type": "integer", "minimum": 0, "maximum": MAX_UNITS}}, ("units",)),
            responses={
                200: ("Settled", SETTLED),
                400: ("invalid_units / invalid_reservation_id", ERROR),
                404: NOT_FOUND,
                409: FINISHED,
                503: METER_UNAVAILABLE,
            },
        ),
    )
    router.add(
        "POST",
        "/api/reservations/{reservationId}/release",
        release_reservation,
        Operation(
            "Free the whole hold, counting nothing",
            security=END_USER,
            parameters=(RESERVATION_IN_PATH, *END_USER_HEADERS),
            body_required=False,
            responses={200: ("Released", RESERVED), 404: NOT_FOUND, 409: FINISHED, 503: METER_UNAVAILABLE},
        ),
    )
