"""Reading JSON request bodies: wrong content type or malformed JSON is a 400."""

from __future__ import annotations

import json
from typing import Any

from dreamapi.errors import bad_request
from dreamapi.http import Request


def is_json_content_type(value: str | None) -> bool:
    if not value:
        return False
    media_type = value.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def json_object(request: Request, *, required: bool = True) -> dict[str, Any]:
    """The body as a JSON object; an empty body is `{}` when the body is optional."""
    if not request.body:
        if required:
            raise bad_request("A JSON object body is required", "missing_body")
        return {}
    if not is_json_content_type(request.headers.get("content-type")):
        raise bad_request("Content-Type must be application/json", "unsupported_content_type")
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise bad_request(f"Malformed JSON body: {error.__class__.__name__}", "invalid_json") from None
    if not isinstance(data, dict):
        raise bad_request("The JSON body must be an object", "invalid_body")
    return data


def string_field(data: dict[str, Any], name: str, *, max_length: int = 256) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value.strip():
        raise bad_request(f"Field '{name}' must be a non-empty string", "invalid_field")
    if len(value) > max_length:
        raise bad_request(f"Field '{name}' must be at most {max_length} characters", "invalid_field")
    return value.strip()
