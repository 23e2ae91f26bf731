"""OpenAPI 3.1 documents generated from the routers, so a document cannot drift from its routes.

Each route is registered with an `Operation` that says what it takes and returns; `document()`
walks the router. Every error any route answers has the one `Error` shape, documented as the
`default` response.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

OBJECT = "object"


def obj(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": OBJECT, "properties": properties}
    if required:
        schema["required"] = list(required)
    return schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
NULLABLE_STRING = {"type": ["string", "null"]}

ERROR = obj({"error": STRING, "message": STRING}, ("error", "message"))
USAGE = obj(
    {
        "count": INTEGER,
        "limit": INTEGER,
        "plan": STRING,
        "periodStart": STRING,
        "periodEnd": STRING,
        "remaining": INTEGER,
        "units": INTEGER,
        "credits": {"type": ["integer", "null"]},
        "overage": {"type": "integer", "description": "units past the limit this period, billed as overage"},
        "held": {"type": "integer", "description": "units held by open reservations"},
    },
    ("count", "limit", "plan", "periodStart", "periodEnd", "remaining"),
)
DAILY = {
    "type": "array",
    "description": "every day of the period up to today, zeros included (what a chart draws)",
    "items": obj({"date": STRING, "count": INTEGER}, ("date", "count")),
}
TIER_LIMIT_REACHED = obj(
    {
        "error": {"const": "Tier limit reached"},
        "message": STRING,
        "count": INTEGER,
        "limit": INTEGER,
        "plan": STRING,
        "creditsBalance": INTEGER,
        "held": {"type": "integer", "description": "units held by open reservations (when any)"},
        "available": {"type": "integer", "description": "units left beside what is held"},
    },
    ("error", "message", "count", "limit", "plan"),
)
TIER = obj(
    {
        "name": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,31}$"},
        "limit": {"type": "integer", "minimum": 1, "maximum": 1_000_000_000},
        "rateLimit": {"type": "integer", "minimum": 1, "maximum": 100_000},
        "priceCents": {"type": "integer", "minimum": 0},
        "currency": {"type": "string", "pattern": "^[a-z]{3}$"},
        "stripePriceId": {"type": ["string", "null"], "pattern": "^price_[A-Za-z0-9_]{1,200}$"},
        "default": BOOLEAN,
        "overage": {
            "type": ["object", "null"],
            "description": "Units past `limit` billed per unit to subscribers (a metered price on your "
            "connected account, fed by a Billing Meter); without it the limit is hard",
            "properties": {
                "stripePriceId": {"type": "string", "pattern": "^price_[A-Za-z0-9_]{1,200}$"},
                "meterEventName": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,100}$"},
                "unitPriceCents": {"type": "integer", "minimum": 0, "maximum": 1_000_000},
                "maxUnits": {"type": ["integer", "null"], "minimum": 1, "maximum": 1_000_000_000},
            },
            "required": ["stripePriceId", "meterEventName", "unitPriceCents"],
            "additionalProperties": False,
        },
    },
    ("name", "limit"),
)
TIER_LIST = obj(
    {
        "platformId": STRING,
        "tiers": {"type": "array", "items": TIER},
        "source": {"enum": ["default", "custom"]},
        "stripeConnected": {
            "type": "boolean",
            "description": "the developer connected Stripe: end users can subscribe and buy credits",
        },
    },
    ("platformId", "tiers", "source"),
)
ISSUED_KEY = obj(
    {
        "platformId": STRING,
        "apiKey": STRING,
        "keyId": STRING,
        "keyPrefix": STRING,
        "createdAt": STRING,
        "warning": STRING,
    },
    ("platformId", "apiKey", "keyPrefix", "createdAt"),
)
URL_REPLY = obj({"url": STRING}, ("url",))
WEBHOOK_RESULT = obj(
    {"received": BOOLEAN, "duplicate": BOOLEAN, "type": NULLABLE_STRING}, ("received", "duplicate")
)
HEALTH = obj(
    {
        "status": {"const": "ok"},
        "service": STRING,
        "time": STRING,
        "kv": {"type": OBJECT, "additionalProperties": BOOLEAN},
        "meterBound": BOOLEAN,
    },
    ("status",),
)
METER_UNAVAILABLE = ("The usage meter did not confirm in time; nothing counted; see Retry-After", ERROR)


@dataclass(frozen=True)
class Operation:
    summary: str
    security: tuple[str, ...] = ()  # names from SECURITY_SCHEMES; several = any one of them
    parameters: tuple[dict[str, Any], ...] = ()
    body: dict[str, Any] | None = None
    body_required: bool = True
    responses: dict[int, tuple[str, dict[str, Any] | None]] = field(default_factory=dict)
    redirect: bool = False
    # status -> link name -> {"operationId": …, "parameters": {…}} (OpenAPI links: what a
    # response feeds into other operations; stateful fuzzing follows them)
    links: dict[int, dict[str, dict[str, Any]]] = field(default_factory=dict)


SECURITY_SCHEMES = {
    "developerSession": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Clerk session token of the dream-api app (developers)",
    },
    "apiKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "Your API key: dream_live_…",
    },
    "endUserSession": {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "Clerk session token of the shared customer app, publicMetadata.platformId",
    },
    "userKey": {
        "type": "http",
        "scheme": "bearer",
        "description": "An end user's own key: dream_user_… (the gateway also reads it from x-api-key)",
    },
    "stripeSignature": {"type": "apiKey", "in": "header", "name": "Stripe-Signature"},
}


def query(name: str, required: bool = True, pattern: str | None = None) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if pattern:
        schema["pattern"] = pattern
    return {"name": name, "in": "query", "required": required, "schema": schema}


def path_parameter(name: str, pattern: str, description: str | None = None) -> dict[str, Any]:
    parameter = {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": pattern},
    }
    if description:
        parameter["description"] = description
    return parameter


def header(
    name: str, required: bool = False, pattern: str | None = None, description: str | None = None
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if pattern:
        schema["pattern"] = pattern
    parameter = {"name": name, "in": "header", "required": required, "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


HEALTH_OPERATION = Operation(
    "Liveness, and which KV namespaces and the usage meter are bound", responses={200: ("Healthy", HEALTH)}
)


def stripe_webhook_operation(summary: str) -> Operation:
    return Operation(
        summary,
        security=("stripeSignature",),
        body={"type": OBJECT},
        responses={200: ("Applied, or recognised as a duplicate", WEBHOOK_RESULT)},
    )


OPENAPI_OPERATION = Operation("This document", responses={200: ("OpenAPI 3.1 document", {"type": OBJECT})})


def _operation_document(method: str, path: str, operation: Operation) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, (description, schema) in sorted(operation.responses.items()):
        entry: dict[str, Any] = {"description": description}
        if schema is not None:
            entry["content"] = {"application/json": {"schema": schema}}
        if operation.redirect and 300 <= status < 400:
            entry["headers"] = {"Location": {"schema": STRING}}
        if status in operation.links:
            entry["links"] = operation.links[status]
        responses[str(status)] = entry
    responses["default"] = {
        "description": "Any error: JSON {error, message} with the status that says what is wrong",
        "content": {"application/json": {"schema": ERROR}},
    }
    document: dict[str, Any] = {
        "operationId": operation_id(method, path),
        "summary": operation.summary,
        "responses": responses,
    }
    if operation.parameters:
        document["parameters"] = list(operation.parameters)
    if operation.body is not None:
        document["requestBody"] = {
            "required": operation.body_required,
            "content": {"application/json": {"schema": operation.body}},
        }
    document["security"] = [{name: []} for name in operation.security] if operation.security else []
    return document


def document(title: str, routes: list[tuple[str, str, Operation]]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, pattern, operation in routes:
        path = document_path(pattern)
        paths.setdefault(path, {})[method.lower()] = _operation_document(method, path, operation)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1.0.0"},
        "paths": paths,
        "components": {"securitySchemes": SECURITY_SCHEMES},
    }


def document_path(pattern: str) -> str:
    """A route's pattern as an OpenAPI path: `{rest:path}` is a plain `{rest}` there."""
    return re.sub(r"\{(\w+):path\}", r"{\1}", pattern)


def operation_id(method: str, path: str) -> str:
    return f"{method.lower()}{re.sub(r'[^A-Za-z0-9]+', '_', path)}".rstrip("_")
