"""The local platform in one call: the stand-ins, the KV bridge, the usage meter and the Python
workers in workerd on one fresh state and dev registry (runtime tests, `make report`, `make bench`)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import urllib.parse
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from scripts import devstack
from scripts.devstack import Process
from scripts.standins.cron import CronStandin
from scripts.standins.github import GithubStandin
from scripts.standins.identity import IdentityProvider
from scripts.standins.llm import LlmStandin
from scripts.standins.origin import OriginStandin
from scripts.standins.stripe import StripeStandin
from scripts.standins.webhook_receiver import WebhookReceiver

# The browser tests' Vite server; DREAMAPI_DASHBOARD_PORT lets two runs on one machine both have one.
DASHBOARD_ORIGIN = f"http://localhost:{os.environ.get('DREAMAPI_DASHBOARD_PORT', '5173')}"


class LocalKV:
    """The workers' local KV, read and written through the KV bridge (miniflare, same state)."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=30)

    def _path(self, binding: str, key: str = "") -> str:
        return f"/kv/{binding}/{urllib.parse.quote(key, safe='')}"

    def get(self, binding: str, key: str) -> str | None:
        reply = self.client.get(self._path(binding, key))
        return None if reply.status_code == 404 else reply.raise_for_status().text

    def put(self, binding: str, key: str, value: str, ttl: int | None = None) -> None:
        params = {"ttl": str(ttl)} if ttl else {}
        self.client.put(self._path(binding, key), content=value.encode(), params=params).raise_for_status()

    def delete(self, binding: str, key: str) -> None:
        self.client.delete(self._path(binding, key)).raise_for_status()

    def keys(self, binding: str, prefix: str = "") -> list[str]:
        reply = self.client.get(f"/kv/{binding}", params={"prefix": prefix}).raise_for_status()
        return list(reply.json()["keys"])


@dataclass
class Platform:
    workers: dict[str, Process]
    meter: Process
    kv: LocalKV
    identity: IdentityProvider
    customer_identity: IdentityProvider
    stripe: StripeStandin
    github: GithubStandin
    webhooks: WebhookReceiver
    origin: OriginStandin  # a developer's API behind the gateway
    llm: LlmStandin  # an AI provider behind the gateway
    cron: CronStandin
    persist_dir: Path
    registry: Path
    log_dir: Path
    variables: dict[str, dict[str, str]]
    cold_start_seconds: dict[str, float] = field(default_factory=dict)

    def client(self, worker: str) -> httpx.Client:
        return httpx.Client(base_url=self.workers[worker].url, timeout=60)

    def developer_token(self, user_id: str, **claims: Any) -> str:
        """A developer's session token, issued for this platform's dashboard origin."""
        return self.identity.issue(user_id, **{"azp": DASHBOARD_ORIGIN, **claims})

    def start_worker(
        self, worker: str, name: str, variables: Mapping[str, str] | None = None
    ) -> devstack.Process:
        """Another process of `worker` on this platform's state and meter (another location)."""
        return devstack.start_worker(
            worker,
            devstack.free_port(),
            self.persist_dir,
            self.log_dir,
            {**self.variables[worker], **(variables or {})},
            registry=self.registry,
            name=name,
        )

    def stop_meter(self) -> None:
        self.meter.stop()

    def restart_meter(self) -> float:
        """The meter again, on its persisted state; seconds until it answers."""
        self.meter = start_meter(self.persist_dir, self.log_dir, self.registry)
        self.cron.meter_url = self.meter.url
        return devstack.wait_until_up(self.meter)

    def restart_everything(self) -> None:
        """Every worker and the meter stopped, then started again on the persisted state (the
        workers on their ports)."""
        for process in self.workers.values():
            process.stop()
        self.stop_meter()
        self.restart_meter()
        self.workers = {
            name: _restart(process, name, self.variables[name], self)
            for name, process in self.workers.items()
        }
        for process in self.workers.values():
            devstack.wait_until_up(process)


def _restart(process: Process, worker: str, variables: Mapping[str, str], platform: Platform) -> Process:
    port = int(process.url.rsplit(":", 1)[1])
    return devstack.start_worker(
        worker, port, platform.persist_dir, platform.log_dir, variables, registry=platform.registry
    )


def start_meter(persist_dir: Path, log_dir: Path, registry: Path) -> Process:
    return devstack.start_worker(
        devstack.METER, devstack.free_port(), persist_dir, log_dir, registry=registry
    )


@contextlib.contextmanager
def running_platform(
    root: Path,
    log_dir: Path,
    workers: tuple[str, ...] = devstack.WORKERS,
    extra_variables: Mapping[str, str] | None = None,
) -> Iterator[Platform]:
    """The stand-ins, the KV bridge, the meter, then `workers`, all on one fresh state in `root`
    with their own dev registry; everything is stopped on exit."""
    persist_dir, registry = root / "state", root / "registry"
    identity, customer_identity, github = IdentityProvider(), IdentityProvider(), GithubStandin()
    webhooks, origin, llm = WebhookReceiver(), OriginStandin(), LlmStandin()
    ports = {name: devstack.free_port() for name in workers}
    worker_urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    for name in devstack.WORKERS:  # stripe's webhook targets name every worker
        worker_urls.setdefault(name, "http://127.0.0.1:9")
    stripe = StripeStandin(**devstack.stripe_webhook_targets(worker_urls))
    standins = [identity, customer_identity, github, stripe, webhooks, origin, llm]
    for standin in standins:
        standin.start()
    variables = {
        name: {
            **devstack.local_worker_vars(
                name,
                identity.server.base_url,
                customer_identity.server.base_url,
                stripe.base_url,
                github.base_url,
                worker_urls[name],
                DASHBOARD_ORIGIN,
                gateway_url=worker_urls["gateway"],
            ),
            **(extra_variables or {}),
        }
        for name in devstack.WORKERS
    }
    devstack.build_all_workers()
    processes: list[Process] = []
    platform: Platform | None = None
    try:
        bridge = devstack.start_kv_bridge(persist_dir, devstack.free_port(), log_dir)
        processes.append(bridge)
        started_at = time.monotonic()
        meter = start_meter(persist_dir, log_dir, registry)
        processes.append(meter)
        devstack.wait_until_up(meter)  # before the workers: they bind it at start-up
        # the meter's cron (webhook outboxes) and api_multi's (overage reports)
        cron = CronStandin(meter.url, worker_urls["api_multi"] if "api_multi" in workers else None)
        cron.start()
        started = {
            name: devstack.start_worker(
                name, ports[name], persist_dir, log_dir, variables[name], registry=registry
            )
            for name in workers
        }
        processes.extend(started.values())
        with ThreadPoolExecutor(len(started)) as pool:
            waits = {name: pool.submit(devstack.wait_until_up, process) for name, process in started.items()}
            devstack.wait_until_up(bridge, "/kv/TOKENS_KV")
            cold_starts = {name: wait.result() for name, wait in waits.items()}
        print(f"\nplatform up after {time.monotonic() - started_at:.1f}s: {cold_starts}")
        platform = Platform(
            workers=started,
            meter=meter,
            kv=LocalKV(bridge.url),
            identity=identity,
            customer_identity=customer_identity,
            stripe=stripe,
            github=github,
            webhooks=webhooks,
            origin=origin,
            llm=llm,
            cron=cron,
            persist_dir=persist_dir,
            registry=registry,
            log_dir=log_dir,
            variables=variables,
            cold_start_seconds=cold_starts,
        )
        yield platform
    finally:
        if platform is not None:
            platform.cron.stop()
            processes.append(platform.meter)  # a restarted meter is a new process
            processes.extend(platform.workers.values())  # as are restarted workers
        for process in processes:
            process.stop()
        for standin in standins:
            standin.server.stop()


# wrangler 3.92's local proxy answers this when its pooled connection to the worker's runtime
# was closed by the runtime with our request still unread (the kernel counts it as
# TCPAbortOnClose): the request never reached the worker, so sending it again is safe. Cloudflare's
# edge has no such proxy.
LOCAL_PROXY_REFUSAL = "Your worker restarted mid-request"


async def _post(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], body: Any = None
) -> httpx.Response:
    for _ in range(5):
        reply = await client.post(path, headers=headers, json=body)
        if not (reply.status_code == 503 and reply.text.startswith(LOCAL_PROXY_REFUSAL)):
            return reply
        await asyncio.sleep(0.2)
    return reply


async def concurrently(
    urls: list[str], headers: list[dict[str, str]], path: str = "/api/data", body: Any = None
) -> list[httpx.Response]:
    """All POSTs at once (with `body` as JSON, if any), the i-th to urls[i % len(urls)]
    (locations taking turns)."""
    clients = [
        httpx.AsyncClient(base_url=url, timeout=60, limits=httpx.Limits(max_connections=len(headers)))
        for url in urls
    ]
    try:
        return list(
            await asyncio.gather(
                *(_post(clients[i % len(clients)], path, h, body) for i, h in enumerate(headers))
            )
        )
    finally:
        for client in clients:
            await client.aclose()


def wait_for_a_fresh_minute(margin: float = 10.0) -> None:
    """Per-minute windows: start a burst early enough in a minute that it cannot straddle two."""
    if time.time() % 60 > 60 - margin:
        time.sleep(61 - time.time() % 60)
