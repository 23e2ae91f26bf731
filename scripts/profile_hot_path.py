#!/usr/bin/env python3
"""Where a request's time goes, under CPython: the real entry (`serve`) with counting stand-ins
for the `js` and `pyodide.ffi` modules, so it also reports how often a request crosses into JS.

  .venv/bin/python scripts/profile_hot_path.py [--requests 3000] [--top 15]

Scenarios: the benchmark baseline (adapter + router) and api_multi's metered call in API-key
mode, in steady state (caches warm, one meter call answered "counted"). Crossings are counted
wherever our code touches a JS value: attribute reads, calls, to_js/to_py conversions. Timing
in workerd is measured by `make bench`; this tells which Python and FFI work a request does.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import importlib
import io
import json
import pstats
import sys
import time
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CROSSINGS = {"count": 0}


def crossing() -> None:
    CROSSINGS["count"] += 1


class Js:
    """A JS value: every attribute read and call is one crossing."""

    def __init__(self, **attributes: Any) -> None:
        object.__setattr__(self, "_attributes", attributes)

    def __getattr__(self, name: str) -> Any:
        crossing()
        try:
            value = self._attributes[name]
        except KeyError:
            raise AttributeError(name) from None
        return _counted(value) if callable(value) else value

    def to_py(self) -> Any:
        crossing()
        return self._attributes.get("_py")


def _counted(function: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        crossing()
        return function(*args, **kwargs)

    return call


def fake_runtime() -> None:
    """Installs counting stand-ins for `js` and `pyodide.ffi`."""
    js = types.ModuleType("js")
    js.Object = Js(
        fromEntries=lambda pairs: Js(_py=dict(pairs._attributes["_py"] if isinstance(pairs, Js) else pairs)),
        keys=lambda obj: Js(_py=[]),
    )
    js.Response = Js(new=lambda body, **init: Js(body=body, **init))
    js.fetch = Js()
    js.crypto = Js()
    js.Promise = Js(new=lambda executor: Js())
    for unused in ("AbortController", "Array", "ReadableStream"):  # the gateway's forwarding only
        setattr(js, unused, Js())
    pyodide = types.ModuleType("pyodide")
    ffi = types.ModuleType("pyodide.ffi")
    ffi.JsProxy = Js
    ffi.create_once_callable = lambda function: function
    ffi.create_proxy = lambda function: function

    def to_js(value: Any, dict_converter: Any = None) -> Any:
        crossing()
        return value

    ffi.to_js = to_js
    pyodide.ffi = ffi
    sys.modules.update({"js": js, "pyodide": pyodide, "pyodide.ffi": ffi})


async def _value(value: Any) -> Any:
    return value


def kv_binding(values: dict[str, str]) -> Js:
    return Js(get=lambda key: _value(values.get(key)))


def meter_namespace() -> Js:
    counts: dict[str, int] = {}

    async def fetch(url: str, method: str, body: str) -> Js:
        payload = json.loads(body)
        counts["n"] = used = counts.get("n", 0) + 1
        answer = {
            "decision": "counted",
            "replayed": False,
            "period": payload["period"],
            "used": used,
            "calls": used,
            "limit": payload["limit"],
            "window": payload["window"],
            "windowCalls": 1,
            "windowLimit": payload["windowLimit"],
            "labels": payload["labels"],
            "creditsUsed": 0,
            "credits": 0,
            "units": payload["amount"],
            "overageUsed": 0,
            "held": 0,
            "available": payload["limit"] - used,
            "rowsWritten": 1,
        }
        return Js(status=200, text=lambda: _value(json.dumps(answer)))

    return Js(idFromName=lambda name: name, get=lambda object_id: Js(fetch=fetch))


def js_request(method: str, url: str, headers: dict[str, str]) -> Js:
    return Js(url=url, method=method, headers=Js(_py=headers), body=None)


def scenarios() -> dict[str, tuple[Callable[[], Any], Js, Callable[[], Js]]]:
    from api_multi.app import create_app as api_multi_app
    from dreamapi.api_key_format import new_api_key
    from dreamapi.key_grants import KeyGrant, hash_api_key, key_id_of
    from scripts.bench_baseline.app import create_app as baseline_app

    api_key = new_api_key()
    platform_id = "plt_" + "0" * 20
    key_hash = hash_api_key(api_key)
    tokens = {
        f"apikey:{key_hash}": KeyGrant(platform_id, key_id_of(key_hash), None).to_index(),
        f"platform:{platform_id}:createdAt": "2026-11-01T00:00:00Z",
        f"user:{platform_id}:tierConfig": json.dumps(
            {"tiers": [{"name": "bench", "limit": 1_000_000_000, "rateLimit": 100_000, "default": True}]}
        ),
    }
    env = Js(
        ENVIRONMENT="development",
        TOKENS_KV=kv_binding(tokens),
        USAGE_KV=kv_binding({}),
        USAGE_METER=meter_namespace(),
    )
    headers = {"host": "127.0.0.1", "authorization": f"Bearer {api_key}", "x-user-id": "bench_user_1"}

    def metered() -> Js:
        return js_request("POST", "http://127.0.0.1:8787/api/data", headers)

    return {"baseline": (baseline_app, env, metered), "api_key": (api_multi_app, env, metered)}


async def _run(app: Callable[[], Any], env: Js, request: Callable[[], Js], count: int) -> None:
    from dreamapi.runtime.entrypoint import serve

    for _ in range(count):
        reply = await serve(app, request(), env)
        assert reply._attributes["status"] == 200, reply._attributes["body"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args(argv)
    fake_runtime()
    importlib.import_module("dreamapi.runtime.workers")
    for name, (app, env, request) in scenarios().items():
        asyncio.run(_run(app, env, request, 50))  # warm: caches filled, env read
        CROSSINGS["count"] = 0
        started = time.perf_counter()
        asyncio.run(_run(app, env, request, args.requests))
        elapsed = time.perf_counter() - started
        per_request = CROSSINGS["count"] / args.requests
        print(
            f"\n== {name}: {elapsed / args.requests * 1e6:.1f} µs per request (CPython), "
            f"{per_request:.1f} JS crossings per request"
        )
        profiler = cProfile.Profile()
        profiler.enable()
        asyncio.run(_run(app, env, request, args.requests))
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(args.top)
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])
    return 0


if __name__ == "__main__":
    sys.exit(main())
