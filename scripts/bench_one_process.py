"""The benchmark's one-process layout (scripts/bench.py): each Python worker in one `wrangler dev`
with the objects it calls, as in production, where a binding to a Durable Object is a call inside
the runtime; beside them, floors in the same layout.

  floor_do       bare Python worker + a minimal JS object doing one SQLite check-and-increment
  floor_meter_1p bare Python worker + our usage meter (one `meter` call with a real payload)
  api_multi_1p   api_multi + usage_meter
  gateway_1p     the gateway + usage_meter, sharing api_multi_1p's KV (its config and keys)
  floor_forward  bare Python worker that only forwards to the origin stand-in

Each process also runs the idle inspector sink (devstack.start_one_process explains why).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from scripts import devstack
from scripts.devstack import Process
from scripts.local_platform import Platform

USERS = 50
ECHO_ROUTE = "/v1/echo"
CHAT_ROUTE = "/v1/chat/completions"
MODEL = "gpt-4o-mini"
PROVIDER_KEY = "sk-provider-bench-" + "b" * 20
HOLD_TTL_SECONDS = 3600  # no hold made here expires while the benchmark runs


@dataclass
class OneProcess:
    processes: dict[str, Process]
    api_key: str
    platform_id: str
    users: list[str]
    user_keys: list[str]
    hold_batches: int = 0

    def url(self, name: str) -> str:
        return self.processes[name].url

    @property
    def key_headers(self) -> list[dict[str, str]]:
        return self.headers_of(self.users)

    def headers_of(self, users: list[str]) -> list[dict[str, str]]:
        return [{"authorization": f"Bearer {self.api_key}", "x-user-id": user} for user in users]

    @property
    def user_key_headers(self) -> list[dict[str, str]]:
        return [{"authorization": f"Bearer {key}"} for key in self.user_keys]

    @property
    def gateway_base(self) -> str:
        return f"{self.url('gateway_1p')}/{self.platform_id}"

    def holds(self, count: int) -> list[tuple[str, dict[str, str]]]:
        """`count` fresh 1-unit holds spread over end users of their own, new for each batch, so
        that the holds a run leaves open weigh on no later call: (settle path, headers)."""
        self.hold_batches += 1
        headers = self.headers_of([f"bench_1p_settler_{self.hold_batches}_{index}" for index in range(USERS)])

        def hold(index: int) -> tuple[str, dict[str, str]]:
            user_headers = {**headers[index % len(headers)], "content-type": "application/json"}
            reply = client.post(
                "/api/reservations", headers=user_headers, json={"units": 1, "ttlSeconds": HOLD_TTL_SECONDS}
            )
            reply.raise_for_status()
            return f"/api/reservations/{reply.json()['id']}/settle", user_headers

        with (
            httpx.Client(base_url=self.url("api_multi_1p"), timeout=30) as client,
            ThreadPoolExecutor(8) as pool,
        ):
            return list(pool.map(hold, range(count)))


def layouts(platform: Platform) -> dict[str, tuple[str, tuple[str, ...], dict[str, str], str]]:
    """name -> (primary, companions, variables, path that answers 2xx once up)."""
    kv_ops = {"EXPOSE_KV_OPS": "1"}
    return {
        "floor_do": ("floor_local_meter", ("floor_counter",), {}, "/"),
        "floor_meter_1p": ("floor_meter", (devstack.METER,), {}, "/"),
        "api_multi_1p": (
            "api_multi",
            (devstack.METER,),
            {**platform.variables["api_multi"], **kv_ops},
            "/health",
        ),
        "gateway_1p": ("gateway", (devstack.METER,), {**platform.variables["gateway"], **kv_ops}, "/health"),
        # any first path segment stands for the platform id; the origin answers this one
        "floor_forward": ("floor_forward", (), {"ORIGIN": platform.origin.base_url}, "/up/v1/echo/up"),
    }


@contextmanager
def one_process_layouts(platform: Platform, root: Path, log_dir: Path) -> Iterator[OneProcess]:
    """Starts every one-process layout, moves wrangler's inspector to the sink in each, and
    prepares a platform (a roomy tier, a gateway in front of the origin and LLM stand-ins, an own
    key for each end user) through api_multi_1p."""
    shared_kv = root / "api_multi_1p" / "v3" / "kv"
    shared_kv.mkdir(parents=True)
    (root / "gateway_1p" / "v3").mkdir(parents=True)
    (root / "gateway_1p" / "v3" / "kv").symlink_to(shared_kv)  # its own objects, api_multi_1p's KV
    processes: dict[str, Process] = {}
    health: dict[str, str] = {}
    try:
        for name, (primary, companions, variables, path) in layouts(platform).items():
            processes[name] = devstack.start_one_process(
                primary, companions, devstack.free_port(), root / name, log_dir, variables, name=name
            )
            health[name] = path
        for name, process in processes.items():
            devstack.wait_until_up(process, health[name])
        devstack.move_inspector_to_sink(processes, log_dir)
        for name, process in processes.items():
            devstack.wait_until_up(process, health[name])
        yield prepare(processes, platform)
    finally:
        for process in processes.values():
            process.stop()


def prepare(processes: dict[str, Process], platform: Platform) -> OneProcess:
    with httpx.Client(base_url=processes["api_multi_1p"].url, timeout=60) as api:
        registered = api.post(
            "/api/developer/register", json={"email": f"bench-1p-{secrets.token_hex(4)}@example.com"}
        )
        registered.raise_for_status()
        api_key, platform_id = registered.json()["apiKey"], registered.json()["platformId"]
        headers = {"authorization": f"Bearer {api_key}"}
        tiers = [{"name": "bench", "limit": 1_000_000_000, "rateLimit": 100_000, "default": True}]
        api.put("/api/developer/tiers", json={"tiers": tiers}, headers=headers).raise_for_status()
        config = {
            "upstream": platform.origin.base_url,
            "upstreamHeaders": {"authorization": "Bearer sk-origin-bench-" + "o" * 20},
            "routes": [
                {"method": "POST", "path": ECHO_ROUTE, "units": {"fixed": 1}},
                {
                    "kind": "openai",
                    "path": CHAT_ROUTE,
                    "models": {MODEL: {"inputPer1k": 1, "outputPer1k": 4}},
                    "maxOutputTokens": 64,
                    "upstream": platform.llm.base_url,
                    "upstreamHeaders": {"authorization": f"Bearer {PROVIDER_KEY}"},
                },
            ],
        }
        api.put("/api/developer/gateway", json=config, headers=headers).raise_for_status()
        users = [f"bench_1p_user_{index}" for index in range(USERS)]
        user_keys = []
        for user in users:
            created = api.post(f"/api/developer/users/{user}/keys", headers=headers, json={"name": "bench"})
            created.raise_for_status()
            user_keys.append(created.json()["apiKey"])
    return OneProcess(processes, api_key, platform_id, users, user_keys)


def echo_body() -> str:
    return json.dumps({"hello": "bench"})
