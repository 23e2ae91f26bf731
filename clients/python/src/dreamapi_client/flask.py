"""Metering Flask views (`pip install "dreamapi-client[flask]"`).

    from flask import Flask, g
    from dreamapi_client import DreamApi
    from dreamapi_client.flask import metered

    dream = DreamApi("dream_live_…")
    app = Flask(__name__)

    @app.get("/v1/answer")
    @metered(dream, user_id=lambda request: request.headers["X-User-Id"])
    def answer():
        return {"answer": 42, "remaining": g.dreamapi.usage["remaining"]}

A refused call never reaches the view: 403 (quota) and 429 (rate, with Retry-After and
X-RateLimit-*) answer with dream-api's body and headers, 503 when the meter cannot be reached
(unless `fail_open=True`, which serves the call uncounted). A counted call's `Metered` is
`flask.g.dreamapi` during the view, and its response gets X-RateLimit-*.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import TypeVar, Union

try:
    import flask
    from flask.typing import ResponseReturnValue
except ImportError as missing:  # pragma: no cover - depends on what is installed
    raise ImportError('dreamapi_client.flask needs Flask: pip install "dreamapi-client[flask]"') from missing

from ._integration import Refusal, missing_user, refusal, success_headers
from .client import DreamApi
from .errors import DreamApiError

__all__ = ["metered"]

T = TypeVar("T")
PerRequest = Union[T, Callable[[flask.Request], T]]  # noqa: UP007 - `|` aliases are not generic in 3.10
View = Callable[..., ResponseReturnValue]


def _resolve(value: PerRequest[T]) -> T:
    return value(flask.request) if callable(value) else value


def _answer(refused: Refusal) -> flask.Response:
    return flask.Response(
        json.dumps(refused.body), status=refused.status, headers=refused.headers, mimetype="application/json"
    )


def metered(
    client: DreamApi,
    *,
    user_id: Callable[[flask.Request], str | None],
    units: PerRequest[int] = 1,
    plan: PerRequest[str | None] = None,
    fail_open: bool = False,
) -> Callable[[View], Callable[..., flask.Response]]:
    """A view decorator that counts the call before the view runs.

    `user_id(request)` names the end user (None: 401); `units` and `plan` are values or
    functions of the request. Takes the blocking `DreamApi` (Flask views are synchronous)."""
    if not isinstance(client, DreamApi):
        raise TypeError("dreamapi_client.flask.metered needs a DreamApi (not an AsyncDreamApi)")

    def decorate(view: View) -> Callable[..., flask.Response]:
        @functools.wraps(view)
        def metered_view(*args: object, **kwargs: object) -> flask.Response:
            flask.g.dreamapi = None
            user = user_id(flask.request)
            if not user:
                return _answer(missing_user())
            try:
                call = client.meter_detailed(user, _resolve(units), plan=_resolve(plan))
            except DreamApiError as error:
                refused = refusal(error, fail_open=fail_open)
                if refused is not None:
                    return _answer(refused)
                return flask.make_response(view(*args, **kwargs))
            flask.g.dreamapi = call
            response = flask.make_response(view(*args, **kwargs))
            for name, value in success_headers(call).items():
                response.headers.setdefault(name, value)
            return response

        return metered_view

    return decorate
