"""The one adapter every worker entry module calls, from either handler style.

Pinned local runtime: module-level `on_fetch(request, env, ctx)`.
Current production runtime: `class Default(WorkerEntrypoint)` with `fetch(self, request)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dreamapi.app import App
from dreamapi.http import json_response
from dreamapi.ports.clock import OffsetClock, SystemClock
from dreamapi.services import KV_BINDINGS, Services
from dreamapi.settings import Settings

try:
    from workers import WorkerEntrypoint  # type: ignore[import-not-found]
except ImportError:  # the pinned runtime (and CPython) have no `workers` SDK module

    class WorkerEntrypoint:  # type: ignore[no-redef]
        def __init__(self, ctx: Any = None, env: Any = None) -> None:
            self.ctx = ctx
            self.env = env


_apps: dict[str, App] = {}


def _app(create_app: Callable[[], App]) -> App:
    key = f"{create_app.__module__}.{create_app.__qualname__}"
    if key not in _apps:
        _apps[key] = create_app()
    return _apps[key]


async def serve(create_app: Callable[[], App], js_request: Any, js_env: Any) -> Any:
    from dreamapi.runtime import workers

    env = workers.WorkersEnv(js_env)
    try:
        settings = Settings.from_env(env)
    except ValueError as error:  # names the variable, never its value
        body = json_response({"error": "misconfigured", "message": str(error)}, 500)
        return workers.response_to_js(body)
    kv_bindings = {
        name: workers.WorkersKV(getattr(js_env, name))
        for name in KV_BINDINGS
        if getattr(js_env, name, None) is not None
    }
    services = Services(
        env=env,
        settings=settings,
        clock=OffsetClock(settings.clock_offset_seconds) if settings.clock_offset_seconds else SystemClock(),
        http=workers.WorkersHttpClient(),
        rs256=workers.WebCryptoVerifier(),
        kv_bindings=kv_bindings,
        meter_port=workers.DurableObjectMeter(js_env.USAGE_METER)
        if getattr(js_env, "USAGE_METER", None) is not None
        else None,
    )
    request = await workers.request_from_js(js_request, settings.max_body_bytes)
    response = await _app(create_app).handle(request, services)
    return workers.response_to_js(response)
