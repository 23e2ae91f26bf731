#!/usr/bin/env python3
"""Counted vs sent under concurrency, and the per-minute limit under a burst: `make report`.

Starts api_multi in the pinned workerd with a fresh KV state, then:
  1. N parallel metered calls for ONE user (one KV record, read-modify-write per call);
  2. N parallel calls for N different users (one record each), and what the dashboard counts;
  3. a burst of 2R parallel calls for one user whose tier allows R calls a minute.
Prints a table. Counting drift is expected for (1): see README "Counting under concurrency".
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
from pathlib import Path

import httpx

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import devstack
from scripts.standins.github import GithubStandin
from scripts.standins.identity import IdentityProvider
from scripts.standins.stripe import StripeStandin


async def burst(url: str, headers: list[dict[str, str]]) -> list[int]:
    limits = httpx.Limits(max_connections=len(headers))
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
        replies = await asyncio.gather(*(client.post("/api/data", headers=h) for h in headers))
    return [reply.status_code for reply in replies]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50, help="parallel calls per scenario")
    parser.add_argument("--rate", type=int, default=20, help="per-minute limit of the burst scenario's tier")
    args = parser.parse_args(argv)
    standins = [IdentityProvider(), IdentityProvider(), StripeStandin(), GithubStandin()]
    for standin in standins:
        standin.start()
    identity, customers, stripe, github = standins
    variables = devstack.local_worker_vars(
        "api_multi",
        identity.server.base_url,
        customers.server.base_url,
        stripe.base_url,
        github.base_url,
        "http://127.0.0.1:8789",
    )
    devstack.build_all_workers()
    with tempfile.TemporaryDirectory() as state:
        worker = devstack.start_worker(
            "api_multi", devstack.free_port(), Path(state), devstack.ROOT / "artifacts" / "report", variables
        )
        try:
            devstack.wait_until_up(worker)
            rows = run(worker.url, args.calls, args.rate)
        finally:
            worker.stop()
            for standin in standins:
                standin.server.stop()
    print(f"\n{'scenario':<44} {'sent':>5} {'200':>5} {'403':>5} {'429':>5} {'counted':>8}")
    for name, sent, statuses, counted in rows:
        print(
            f"{name:<44} {sent:>5} {statuses.count(200):>5} {statuses.count(403):>5} "
            f"{statuses.count(429):>5} {counted:>8}"
        )
    return 0


def run(url: str, calls: int, rate: int) -> list[tuple[str, int, list[int], int]]:
    def platform(tiers: list[dict[str, object]]) -> str:
        key = httpx.post(
            f"{url}/api/developer/register", json={"email": f"r-{secrets.token_hex(4)}@x.io"}
        ).json()["apiKey"]
        httpx.put(
            f"{url}/api/developer/tiers", json={"tiers": tiers}, headers={"authorization": f"Bearer {key}"}
        ).raise_for_status()
        return key

    def usage(key: str, user: str) -> int:
        reply = httpx.get(f"{url}/api/usage", headers={"authorization": f"Bearer {key}", "x-user-id": user})
        return int(reply.json()["usage"]["count"])

    rows = []
    big = [{"name": "big", "limit": 1_000_000, "rateLimit": 100_000, "default": True}]
    key = platform(big)
    one_user = [{"authorization": f"Bearer {key}", "x-user-id": "same_user"}] * calls
    rows.append(
        (
            f"{calls} parallel calls, one user",
            calls,
            asyncio.run(burst(url, one_user)),
            usage(key, "same_user"),
        )
    )

    key = platform(big)
    many = [{"authorization": f"Bearer {key}", "x-user-id": f"user_{index}"} for index in range(calls)]
    statuses = asyncio.run(burst(url, many))
    dashboard = httpx.get(f"{url}/api/developer/dashboard", headers={"authorization": f"Bearer {key}"}).json()
    rows.append(
        (
            f"{calls} parallel calls, {calls} users (dashboard)",
            calls,
            statuses,
            dashboard["calls"]["thisMonth"],
        )
    )

    key = platform([{"name": "limited", "limit": 1_000_000, "rateLimit": rate, "default": True}])
    bursty = [{"authorization": f"Bearer {key}", "x-user-id": "bursty"}] * (2 * rate)
    rows.append(
        (
            f"burst of {2 * rate}, limit {rate}/min, one user",
            2 * rate,
            asyncio.run(burst(url, bursty)),
            usage(key, "bursty"),
        )
    )
    return rows


if __name__ == "__main__":
    sys.exit(main())
