#!/usr/bin/env python3
"""Counted vs sent across two locations: `make report`.

Starts the local platform (usage meter, api_multi, identity and Stripe stand-ins) on a fresh
state, plus a second api_multi process bound to the same meter (a second isolate, as a second
Cloudflare location would be), and sends each scenario's calls all at once, alternating between
the two. `counted` is what GET /api/usage then answers at each location.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import devstack
from scripts.local_platform import concurrently, running_platform, wait_for_a_fresh_minute


@dataclass
class Row:
    scenario: str
    statuses: list[int]
    counted: tuple[int, int]
    identical_bodies: bool | None = None

    def cells(self) -> list[str]:
        count = self.statuses.count
        five = sum(1 for s in self.statuses if s >= 500)
        same = "" if self.identical_bodies is None else ("yes" if self.identical_bodies else "NO")
        counted = f"{self.counted[0]} / {self.counted[1]}"
        return [
            self.scenario,
            *map(str, (len(self.statuses), count(200), count(403), count(429), five)),
            counted,
            same,
        ]


class Locations:
    def __init__(self, urls: list[str]) -> None:
        self.urls = urls

    def platform(self, limit: int, rate: int) -> str:
        key = httpx.post(
            f"{self.urls[0]}/api/developer/register", json={"email": f"r-{secrets.token_hex(4)}@x.io"}
        ).json()["apiKey"]
        tiers = [{"name": "metered", "limit": limit, "rateLimit": rate, "default": True}]
        httpx.put(
            f"{self.urls[0]}/api/developer/tiers",
            json={"tiers": tiers},
            headers={"authorization": f"Bearer {key}"},
        ).raise_for_status()
        return str(key)

    def counted(self, key: str, user: str) -> tuple[int, int]:
        headers = {"authorization": f"Bearer {key}", "x-user-id": user}
        counts = [
            httpx.get(f"{url}/api/usage", headers=headers).json()["usage"]["count"] for url in self.urls
        ]
        return counts[0], counts[1]

    def burst(
        self, scenario: str, key: str, user: str, calls: int, extra: dict[str, str] | None = None
    ) -> Row:
        headers = {"authorization": f"Bearer {key}", "x-user-id": user, **(extra or {})}
        replies = asyncio.run(concurrently(self.urls, [headers] * calls))
        bodies = {reply.content for reply in replies if reply.status_code == 200}
        identical = len(bodies) == 1 if extra else None
        return Row(scenario, [reply.status_code for reply in replies], self.counted(key, user), identical)


def run(locations: Locations, calls: int, rate: int, limit: int) -> list[Row]:
    rows = [
        locations.burst(
            f"{calls} concurrent calls, one user", locations.platform(1_000_000, 100_000), "u", calls
        )
    ]
    key = locations.platform(1_000_000, rate)
    wait_for_a_fresh_minute()
    rows.append(locations.burst(f"limit {rate}/min, {2 * rate} concurrent calls", key, "u", 2 * rate))
    key = locations.platform(limit, 100_000)
    rows.append(locations.burst(f"limit {limit}/month, {limit + 30} concurrent", key, "u", limit + 30))
    key = locations.platform(1_000, 1_000)
    rows.append(
        locations.burst("10 concurrent retries, one Idempotency-Key", key, "u", 10, {"idempotency-key": "k1"})
    )
    return rows


def table(rows: list[Row]) -> str:
    header = ["scenario (calls alternate between 2 locations)", "sent", "200", "403", "429", "5xx"]
    header += ["counted A / B", "same body"]
    widths = [
        max(len(r) for r in column) for column in zip(header, *(row.cells() for row in rows), strict=True)
    ]
    lines = [" | ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True))]
    lines.append("-|-".join("-" * width for width in widths))
    lines += [" | ".join(c.ljust(w) for c, w in zip(row.cells(), widths, strict=True)) for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="concurrent calls of the first scenario")
    parser.add_argument("--rate", type=int, default=20, help="per-minute limit of the burst scenario")
    parser.add_argument("--limit", type=int, default=50, help="monthly limit of the quota scenario")
    args = parser.parse_args(argv)
    log_dir = devstack.ROOT / "artifacts" / "report"
    with (
        tempfile.TemporaryDirectory() as root,
        running_platform(Path(root), log_dir, ("api_multi",)) as platform,
    ):
        second = platform.start_worker("api_multi", "api_multi-location-b")
        try:
            devstack.wait_until_up(second)
            rows = run(
                Locations([platform.workers["api_multi"].url, second.url]), args.calls, args.rate, args.limit
            )
        finally:
            second.stop()
    print("\n" + table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
