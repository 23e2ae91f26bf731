"""Metering FastAPI routes (`pip install "dreamapi-client[fastapi]"`).

    from typing import Annotated
    from fastapi import Depends, FastAPI
    from dreamapi_client import AsyncDreamApi, Metered
    from dreamapi_client.fastapi import install, metered

    dream = AsyncDreamApi("dream_live_…")
    app = FastAPI()
    install(app)  # refusals answer with dream-api's own JSON bodies
    meter = metered(dream, user_id=lambda request: request.headers.get("x-user-id"))

    @app.get("/v1/answer")
    async def answer(call: Annotated[Metered, Depends(meter)]) -> dict:
        return {"answer": 42, "remaining": call.usage["remaining"]}

A refused call never reaches the route: 403 (quota) and 429 (rate, with Retry-After and
X-RateLimit-*) carry dream-api's body and headers, 503 when the meter cannot be reached (unless
`fail_open=True`, which serves the call uncounted). A counted call's response gets X-RateLimit-*.
Without `install(app)` the same statuses and headers are sent, with FastAPI's `{"detail": body}`.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar, Union, cast

try:
    from fastapi import FastAPI, HTTPException, Request, Response
    from fastapi.responses import JSONResponse
    from starlette.concurrency import run_in_threadpool
except ImportError as missing:  # pragma: no cover - depends on what is installed
    raise ImportError(
        'dreamapi_client.fastapi needs FastAPI: pip install "dreamapi-client[fastapi]"'
    ) from missing

from ._integration import Refusal, missing_user, refusal, success_headers
from .client import AsyncDreamApi, DreamApi
from .errors import DreamApiError
from .models import Metered

__all__ = ["MeteringRefused", "install", "metered"]

T = TypeVar("T")
# a value, or (from an async function) an awaitable of it; Union: `|` aliases are not generic in 3.10
Maybe = Union[T, Awaitable[T]]  # noqa: UP007
PerRequest = Union[T, Callable[[Request], Maybe[T]]]  # noqa: UP007


class MeteringRefused(HTTPException):
    """The call was refused: answered with `body` (dream-api's JSON) once `install(app)` ran."""

    def __init__(self, answer: Refusal) -> None:
        super().__init__(answer.status, detail=answer.body, headers=answer.headers or None)
        self.body = answer.body


async def _render(request: Request, error: Exception) -> Response:
    if not isinstance(error, MeteringRefused):  # pragma: no cover - registered for this class only
        raise error
    return JSONResponse(error.body, status_code=error.status_code, headers=error.headers)


def install(app: FastAPI) -> None:
    """Answer `MeteringRefused` with dream-api's body itself (not `{"detail": …}`)."""
    app.add_exception_handler(MeteringRefused, _render)


async def _settle(value: Maybe[T]) -> T:
    if inspect.isawaitable(value):
        return cast(T, await value)
    return value


async def _resolve(value: PerRequest[T], request: Request) -> T:
    return await _settle(value(request)) if callable(value) else value


def metered(
    client: DreamApi | AsyncDreamApi,
    *,
    user_id: Callable[[Request], Maybe[str | None]],
    units: PerRequest[int] = 1,
    plan: PerRequest[str | None] = None,
    fail_open: bool = False,
) -> Callable[[Request, Response], Awaitable[Metered | None]]:
    """A dependency (`Depends(metered(...))`) that counts the call before the route runs.

    `user_id(request)` names the end user (None: 401); `units` and `plan` are values or
    functions of the request (sync or async). The dependency's value, also in
    `request.state.dreamapi`, is the `Metered` call (None when `fail_open` let an unmetered call
    through)."""

    async def meter_call(request: Request, response: Response) -> Metered | None:
        user = await _settle(user_id(request))
        if not user:
            raise MeteringRefused(missing_user())
        cost = await _resolve(units, request)
        tier = await _resolve(plan, request)
        request.state.dreamapi = None
        try:
            if isinstance(client, AsyncDreamApi):
                call = await client.meter_detailed(user, cost, plan=tier)
            else:
                call = await run_in_threadpool(client.meter_detailed, user, cost, plan=tier)
        except DreamApiError as error:
            answer = refusal(error, fail_open=fail_open)
            if answer is None:
                return None
            raise MeteringRefused(answer) from error
        response.headers.update(success_headers(call))
        request.state.dreamapi = call
        return call

    return meter_call
