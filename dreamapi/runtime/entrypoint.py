"""The one adapter every worker entry module calls, from either handler style.

Pinned local runtime: module-level `on_fetch(request, env, ctx)`.
Current production runtime: `class Default(WorkerEntrypoint)` with `fetch(self, request)`.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from dreamapi.app import App
from dreamapi.http import json_response
from dreamapi.ports.clock import Clock, OffsetClock, SystemClock
from dreamapi.ports.kv import KVNamespace
from dreamapi.ports.meter import MeterPort
from dreamapi.ports.outbound import HttpClient
from dreamapi.ports.secret_box import KEY_VARIABLE, SecretBox
from dreamapi.ports.signatures import RS256Verifier
from dreamapi.ports.upstream import Upstream
from dreamapi.services import KV_BINDINGS, Services
from dreamapi.settings import Settings

try:
    from workers import WorkerEntrypoint  # type: ignore[import-not-found]
except ImportError:  # the pinned runtime (and CPython) have no `workers` SDK module

    class WorkerEntrypoint:  # type: ignore[no-redef]
        def __init__(self, ctx: Any = None, env: Any = None) -> None:
            self.ctx = ctx
            self.env = env


@dataclass
class _Binding:
    """What a worker's env gives every request. An isolate's env (vars, secrets, bindings) does
    not change while it lives, so this is read once, not on every request."""

    js_env: Any
    env: Any
    settings: Settings | None
    misconfiguration: str | None
    clock: Clock
    kv_bindings: dict[str, KVNamespace]
    meter_port: MeterPort | None
    outbox_port: MeterPort | None
    keys_port: MeterPort | None
    http: HttpClient
    rs256: RS256Verifier
    secret_box: SecretBox
    upstream: Upstream
    memo: dict[str, Any] = field(default_factory=dict)


logger = logging.getLogger("dreamapi.runtime")
_apps: dict[Callable[[], App], App] = {}
_binding: _Binding | None = None


def _app(create_app: Callable[[], App]) -> App:
    app = _apps.get(create_app)
    if app is None:
        app = _apps[create_app] = create_app()
    return app


def _bind(js_env: Any) -> _Binding:
    global _binding
    if _binding is not None and _binding.js_env == js_env:
        return _binding
    from dreamapi.runtime import workers

    env = workers.WorkersEnv(js_env)
    settings: Settings | None = None
    misconfiguration = None
    try:
        settings = Settings.from_env(env)
    except ValueError as error:  # names the variable, never its value
        misconfiguration = str(error)
    offset = settings.clock_offset_seconds if settings else 0
    meter = getattr(js_env, "USAGE_METER", None)
    outbox = getattr(js_env, "WEBHOOK_OUTBOX", None)
    keys = getattr(js_env, "API_KEYS", None)
    _binding = _Binding(
        js_env=js_env,
        env=env,
        settings=settings,
        misconfiguration=misconfiguration,
        clock=OffsetClock(offset) if offset else SystemClock(),
        kv_bindings={
            name: workers.WorkersKV(getattr(js_env, name))
            for name in KV_BINDINGS
            if getattr(js_env, name, None) is not None
        },
        meter_port=workers.DurableObjectMeter(meter) if meter is not None else None,
        outbox_port=workers.DurableObjectMeter(outbox) if outbox is not None else None,
        keys_port=workers.DurableObjectMeter(keys) if keys is not None else None,
        http=workers.WorkersHttpClient(),
        rs256=workers.WebCryptoVerifier(),
        secret_box=workers.WebCryptoSecretBox(env.get(KEY_VARIABLE)),
        upstream=workers.WorkersUpstream(),
    )
    return _binding


def _services(binding: _Binding, settings: Settings) -> Services:
    return Services(
        env=binding.env,
        settings=settings,
        clock=binding.clock,
        http=binding.http,
        rs256=binding.rs256,
        secret_box=binding.secret_box,
        upstream_port=binding.upstream,
        kv_bindings=binding.kv_bindings,
        meter_port=binding.meter_port,
        outbox_port=binding.outbox_port,
        keys_port=binding.keys_port,
        memo=binding.memo,
    )


async def serve(create_app: Callable[[], App], js_request: Any, js_env: Any, js_ctx: Any = None) -> Any:
    from dreamapi.runtime import workers

    binding = _bind(js_env)
    if binding.settings is None:
        body = {"error": "misconfigured", "message": binding.misconfiguration}
        return workers.response_to_js(json_response(body, 503))
    services = _services(binding, binding.settings)
    request = await workers.request_from_js(js_request, binding.settings.max_body_bytes)
    response = await _app(create_app).handle(request, services)
    for work in services.deferred:
        workers.wait_until(js_ctx, work)
    return workers.response_to_js(response)


async def run_scheduled(job: Callable[[Services], Awaitable[object]], js_env: Any) -> None:
    """A cron run: `job` with the same services a request gets (awaited: the run lasts as long)."""
    binding = _bind(js_env)
    if binding.settings is None:
        logger.error("scheduled run skipped: %s", binding.misconfiguration)
        return
    services = _services(binding, binding.settings)
    outcome = await job(services)
    logger.info("scheduled run: %s", outcome)
