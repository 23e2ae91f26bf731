"""Fixtures that start the real platform: the usage meter and three workers in workerd (pinned
wrangler), the KV bridge on the same persisted local state, and the stand-ins."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator

import httpx
import pytest

from scripts import devstack
from scripts.local_platform import Platform, running_platform

ARTIFACTS = devstack.ROOT / "artifacts" / "runtime"
CACHE_SECONDS = 2
SNAPSHOT_SECONDS = 1
TEST_VARIABLES = {
    # short isolate caches so that tests can wait out the documented staleness bound
    "ISOLATE_CACHE_SECONDS": str(CACHE_SECONDS),
    "EXPOSE_KV_OPS": "1",
    # dashboards see usage within a second or two
    "USAGE_SNAPSHOT_SECONDS": str(SNAPSHOT_SECONDS),
    # failed webhook deliveries are tried again within seconds, not after 5 s, 1 min, …
    "WEBHOOK_RETRY_SECONDS": "1,2,3",
    # the gateway gives up on a silent origin within seconds (production default: 30 s)
    "GATEWAY_TIMEOUT_SECONDS": "3",
}


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    root = tmp_path_factory.mktemp("platform")
    with running_platform(root, ARTIFACTS / "logs", extra_variables=TEST_VARIABLES) as started:
        yield started


@pytest.fixture(scope="module")
def locations(platform: Platform) -> Iterator[list[str]]:
    """The platform's api_multi and a second process of it: same KV state, same meter."""
    second = platform.start_worker("api_multi", "api_multi-location-b")
    try:
        devstack.wait_until_up(second)
        yield [platform.workers["api_multi"].url, second.url]
    finally:
        second.stop()


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
def worker_with_clock_offset(
    platform: Platform, worker: str, offset: int, variables: dict[str, str] | None = None
) -> Iterator[httpx.Client]:
    """A second instance of `worker` on the same KV state whose clock is moved by
    CLOCK_OFFSET_SECONDS (and other `variables`): plain configuration, no test-only route."""
    settings = {"CLOCK_OFFSET_SECONDS": str(offset), **(variables or {})}
    process = platform.start_worker(worker, f"{worker}-offset", settings)
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
