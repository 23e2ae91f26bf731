"""Schema pieces several of api_multi's routes share (each route's own schemas live beside it)."""

from __future__ import annotations

from urllib.parse import unquote

from dreamapi import ids
from dreamapi.http import Request
from dreamapi.openapi import INTEGER, STRING, header, obj, path_parameter

END_USER = ("apiKey", "endUserSession")  # who may call an end user's routes (any one of them)
DEVELOPER = ("apiKey", "developerSession")
USER_ID_PATTERN = r"^[A-Za-z0-9_.@+\-]{1,128}$"
END_USER_HEADERS = (
    header(
        "X-User-Id",
        pattern=USER_ID_PATTERN,
        description="Required with an API key (the end user's id in your system); unused with a JWT",
    ),
    header("X-User-Plan", description="API-key mode: one of your tier names; unknown names are a 400"),
)
IDEMPOTENCY_KEY = header("Idempotency-Key", pattern=r"^[\x21-\x7e]{1,255}$")
USER_IN_PATH = path_parameter("userId", USER_ID_PATTERN, "The end user's id in your system")


def user_id_in_path(request: Request) -> str:
    """The end user named by USER_IN_PATH, checked (400 when it is not a user id)."""
    return ids.require_user_id(unquote(request.path_params.get("userId", "")), "userId")


RETURN_URL = {"type": "string", "format": "uri"}
NULLABLE_INTEGER = {"type": ["integer", "null"]}
LEDGER_ENTRY = obj(
    {
        "kind": {"enum": ["grant", "adjustment", "top_up", "usage"]},
        "units": INTEGER,
        "reason": STRING,
        "at": STRING,
        "date": STRING,
        "balanceAfter": INTEGER,
    },
    ("kind", "units", "reason", "at", "balanceAfter"),
)
