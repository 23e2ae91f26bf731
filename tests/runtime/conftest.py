"""Fixtures that start the real platform: three workers in workerd (pinned wrangler),
the KV bridge on the same persisted local KV, and the identity stand-in."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from scripts import devstack
from scripts.standins.github import GithubStandin
from scripts.standins.identity import IdentityProvider
from scripts.standins.stripe import StripeStandin
from tests.runtime.platform import DASHBOARD_ORIGIN, LocalKV, Platform

ARTIFACTS = devstack.ROOT / "artifacts" / "runtime"
CACHE_SECONDS = 2


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    persist_dir: Path = tmp_path_factory.mktemp("kv-state")
    log_dir = ARTIFACTS / "logs"
    identity = IdentityProvider()
    identity.start()
    customer_identity = IdentityProvider()
    customer_identity.start()
    github = GithubStandin()
    github.start()
    ports = {name: devstack.free_port() for name in devstack.WORKERS}
    stripe = StripeStandin(
        **devstack.stripe_webhook_targets({name: f"http://127.0.0.1:{port}" for name, port in ports.items()})
    )
    stripe.start()
    variables = {
        name: devstack.local_worker_vars(
            name,
            identity.server.base_url,
            customer_identity.server.base_url,
            stripe.base_url,
            github.base_url,
            f"http://127.0.0.1:{ports[name]}",
            DASHBOARD_ORIGIN,
        )
        for name in devstack.WORKERS
    }
    for worker_variables in variables.values():
        # short isolate caches so that tests can wait out the documented staleness bound
        worker_variables.update({"ISOLATE_CACHE_SECONDS": str(CACHE_SECONDS), "EXPOSE_KV_OPS": "1"})
    devstack.build_all_workers()
    bridge = devstack.start_kv_bridge(persist_dir, devstack.free_port(), log_dir)
    started_at = time.monotonic()
    workers = {
        name: devstack.start_worker(name, ports[name], persist_dir, log_dir, variables[name])
        for name in devstack.WORKERS
    }
    processes = [bridge, *workers.values()]
    try:
        with ThreadPoolExecutor(len(workers)) as pool:
            waits = {name: pool.submit(devstack.wait_until_up, process) for name, process in workers.items()}
            devstack.wait_until_up(bridge, "/kv/TOKENS_KV")
            cold_starts = {name: wait.result() for name, wait in waits.items()}
        print(f"\nworkers up after {time.monotonic() - started_at:.1f}s: {cold_starts}")
        yield Platform(
            workers=workers,
            kv=LocalKV(bridge.url),
            identity=identity,
            customer_identity=customer_identity,
            stripe=stripe,
            github=github,
            persist_dir=persist_dir,
            variables=variables,
            cold_start_seconds=cold_starts,
        )
    finally:
        for process in processes:
            process.stop()
        identity.server.stop()
        customer_identity.server.stop()
        stripe.server.stop()
        github.server.stop()


@pytest.fixture()
def api_multi(platform: Platform) -> Iterator[httpx.Client]:
    with platform.client("api_multi") as client:
        yield client


@pytest.fixture()
def front_auth_api(platform: Platform) -> Iterator[httpx.Client]:
    with platform.client("front_auth_api") as client:
        yield client


@pytest.fixture()
def oauth_api(platform: Platform) -> Iterator[httpx.Client]:
    with platform.client("oauth_api") as client:
        yield client


@contextlib.contextmanager
def worker_with_clock_offset(platform: Platform, worker: str, offset: int) -> Iterator[httpx.Client]:
    """A second instance of `worker` on the same KV state whose clock is moved by
    CLOCK_OFFSET_SECONDS: plain configuration, no test-only route."""
    variables = {**platform.variables[worker], "CLOCK_OFFSET_SECONDS": str(offset)}
    log_dir = ARTIFACTS / f"logs-{worker}-offset"
    process = devstack.start_worker(worker, devstack.free_port(), platform.persist_dir, log_dir, variables)
    try:
        devstack.wait_until_up(process)
        with httpx.Client(base_url=process.url, timeout=60) as client:
            yield client
    finally:
        process.stop()


def _into_next_month() -> int:
    from dreamapi.periods import seconds_until_next_month

    return int(seconds_until_next_month(time.time())) + 86_400


@pytest.fixture()
def next_month_front_auth_api(platform: Platform) -> Iterator[httpx.Client]:
    with worker_with_clock_offset(platform, "front_auth_api", _into_next_month()) as client:
        yield client


@pytest.fixture()
def next_month_api_multi(platform: Platform) -> Iterator[httpx.Client]:
    with worker_with_clock_offset(platform, "api_multi", _into_next_month()) as client:
        yield client


@pytest.fixture()
def later_oauth_api(platform: Platform) -> Iterator[httpx.Client]:
    """oauth_api eleven minutes from now: OAuth states (10 min) it did not issue have expired."""
    with worker_with_clock_offset(platform, "oauth_api", 11 * 60) as client:
        yield client
