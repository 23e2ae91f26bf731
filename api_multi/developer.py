"""Developer signup without Clerk (email -> platformId + API key shown once)."""

from __future__ import annotations

import re

from dreamapi import credentials, kvkeys
from dreamapi.body import json_object, string_field
from dreamapi.errors import bad_request, conflict
from dreamapi.http import Request, Response, json_response
from dreamapi.services import Services

_EMAIL = re.compile(r"^[^@\s:/]{1,64}@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
KEY_WARNING = "Save this API key now: it is shown only once and cannot be retrieved again."


async def register(request: Request, services: Services) -> Response:
    email = string_field(json_object(request), "email", max_length=254).lower()
    if not _EMAIL.match(email):
        raise bad_request("Field 'email' must be an email address", "invalid_email")
    existing = await services.tokens_kv.get(kvkeys.developer_email(credentials.hash_email(email)))
    if existing is not None:
        raise conflict("A platform is already registered for this email", "email_taken")
    issued = await credentials.create_platform(services.tokens_kv, services.clock.now(), email=email)
    return json_response(
        {
            "platformId": issued.platform_id,
            "apiKey": issued.api_key,
            "keyPrefix": issued.key_prefix,
            "createdAt": issued.created_at,
            "warning": KEY_WARNING,
        },
        201,
    )
