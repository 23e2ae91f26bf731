#!/usr/bin/env python3
"""Benchmark of a metered call (`POST /api/data`), side by side with a no-op baseline worker.

  make bench        (or: .venv/bin/python scripts/bench.py [--rounds 4] [--per-round 150] [--concurrency 8])

Starts, in the pinned workerd, api_multi and the baseline worker (scripts/bench_baseline: same
build, adapter and runtime, no auth, no KV), and drives them with the same asyncio/httpx load,
interleaved round by round (baseline, API-key mode, JWT mode) so machine drift hits all three.
Reports p50/p95/p99 latency and throughput as ratios to the baseline; KV reads, writes and lists
per call as counted at the KV port (EXPOSE_KV_OPS) and their cost at Cloudflare's list prices;
cold start (process start to first successful response) of every worker; gzipped bundle sizes.
Writes BENCHMARKS.md and BENCHMARKS.json. Timing lives here, never in the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform as host
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import devstack
from scripts.build import BUILD_ROOT, SOURCES, gzipped_size
from scripts.standins.github import GithubStandin
from scripts.standins.identity import IdentityProvider
from scripts.standins.stripe import StripeStandin

# Cloudflare list prices, $ per million: KV operations, Workers requests, Durable Object requests
# and SQLite rows written (beyond the included 50M a month).
PRICES_PER_MILLION = {
    "reads": 0.50,
    "writes": 5.00,
    "lists": 5.00,
    "request": 0.30,
    "meter_calls": 0.15,
    "meter_rows_written": 1.00,
}
OPERATIONS = ("reads", "writes", "lists", "meter_calls", "meter_rows_written")
SPEC_DESIGN = {"reads": 4, "writes": 2, "lists": 0}  # the spec's metered call, for comparison
USERS = 50


@dataclass
class Samples:
    latencies_ms: list[float] = field(default_factory=list)
    busy_seconds: float = 0.0
    kv: dict[str, list[int]] = field(
        default_factory=lambda: {
            "reads": [],
            "writes": [],
            "lists": [],
            "meter_calls": [],
            "meter_rows_written": [],
        }
    )
    failures: int = 0

    def summary(self) -> dict[str, Any]:
        cuts = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
        result: dict[str, Any] = {
            "requests": len(self.latencies_ms),
            "failures": self.failures,
            "p50_ms": round(cuts[49], 2),
            "p95_ms": round(cuts[94], 2),
            "p99_ms": round(cuts[98], 2),
            "throughput_rps": round(len(self.latencies_ms) / self.busy_seconds, 1),
        }
        if self.kv["reads"]:
            per_call = {name: statistics.fmean(values) for name, values in self.kv.items()}
            result["kv_per_call"] = {name: round(value, 3) for name, value in per_call.items()}
            result["cost_per_million_usd"] = round(cost_per_million(per_call), 2)
        return result


def cost_per_million(kv_per_call: dict[str, float]) -> float:
    return PRICES_PER_MILLION["request"] + sum(
        PRICES_PER_MILLION[name] * kv_per_call[name] for name in kv_per_call
    )


def _kv_ops(reply: httpx.Response) -> dict[str, int] | None:
    """KV and meter operations of one call, as the worker counted them (EXPOSE_KV_OPS)."""
    kv, meter = reply.headers.get("x-kv-ops"), reply.headers.get("x-meter-ops")
    if not kv or not meter:
        return None
    ops = {k: int(v) for k, v in (part.split("=") for part in kv.split(";"))}
    ops.update({f"meter_{k}": int(v) for k, v in (part.split("=") for part in meter.split(";"))})
    return ops


async def drive(
    url: str, headers: list[dict[str, str]], count: int, concurrency: int, samples: Samples
) -> None:
    """`count` POST /api/data calls, `concurrency` at a time, cycling through `headers`."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(count):
        queue.put_nowait(index)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:

        async def worker() -> None:
            while not queue.empty():
                index = queue.get_nowait()
                started = time.perf_counter()
                reply = await client.post("/api/data", headers=headers[index % len(headers)])
                samples.latencies_ms.append((time.perf_counter() - started) * 1000)
                if reply.status_code != 200:
                    samples.failures += 1
                ops = _kv_ops(reply)
                if ops:
                    for name in samples.kv:
                        samples.kv[name].append(ops[name])

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        samples.busy_seconds += time.perf_counter() - started


def cold_start(worker: str, variables: dict[str, str], log_dir: Path) -> float:
    """Process start to the first successful response, with a fresh KV state."""
    with tempfile.TemporaryDirectory() as state:
        started = time.monotonic()
        process = devstack.start_worker(
            worker, devstack.free_port(), Path(state), log_dir, variables, registry=Path(state) / "registry"
        )
        try:
            devstack.wait_until_up(process)
            return time.monotonic() - started
        finally:
            process.stop()


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        host.processor(),
    )
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return f"{cpu}, {cores} cores, {memory_kb / 1024 / 1024:.0f} GiB, {host.system()} {host.release()}"


def run(args: argparse.Namespace) -> dict[str, Any]:
    log_dir = devstack.ROOT / "artifacts" / "bench"
    identity, customers, stripe, github = (
        IdentityProvider(),
        IdentityProvider(),
        StripeStandin(),
        GithubStandin(),
    )
    for standin in (identity, customers, stripe, github):
        standin.start()
    devstack.build_all_workers()
    subprocess.run(
        [sys.executable, str(devstack.ROOT / "scripts" / "build.py"), "bench_baseline"], check=True
    )

    def variables(worker: str) -> dict[str, str]:
        if worker == "bench_baseline":
            return {}
        values = devstack.local_worker_vars(
            worker,
            identity.server.base_url,
            customers.server.base_url,
            stripe.base_url,
            github.base_url,
            "http://127.0.0.1:8789",
        )
        return {**values, "EXPOSE_KV_OPS": "1"}

    print("cold starts (each worker alone, fresh state)…", flush=True)
    cold = {
        name: round(cold_start(name, variables(name), log_dir), 2)
        for name in (*devstack.WORKERS, "bench_baseline")
    }
    print(json.dumps(cold), flush=True)

    state = Path(tempfile.mkdtemp(prefix="dreamapi-bench-"))
    registry = state / "registry"
    meter = devstack.start_worker(devstack.METER, devstack.free_port(), state, log_dir, registry=registry)
    devstack.wait_until_up(meter)
    api_multi = devstack.start_worker(
        "api_multi", devstack.free_port(), state, log_dir, variables("api_multi"), registry=registry
    )
    baseline = devstack.start_worker(
        "bench_baseline", devstack.free_port(), state, log_dir, {}, registry=registry
    )
    try:
        devstack.wait_until_up(api_multi)
        devstack.wait_until_up(baseline)
        registered = httpx.post(
            f"{api_multi.url}/api/developer/register",
            json={"email": f"bench-{secrets.token_hex(4)}@example.com"},
        ).json()
        key, platform_id = registered["apiKey"], registered["platformId"]
        tiers = [{"name": "bench", "limit": 1_000_000_000, "rateLimit": 100_000, "default": True}]
        httpx.put(
            f"{api_multi.url}/api/developer/tiers",
            json={"tiers": tiers},
            headers={"authorization": f"Bearer {key}"},
        ).raise_for_status()
        users = [f"bench_user_{index}" for index in range(USERS)]
        key_headers = [{"authorization": f"Bearer {key}", "x-user-id": user} for user in users]
        jwt_headers = [
            {
                "authorization": "Bearer "
                + customers.issue(user, public_metadata={"platformId": platform_id}, expires_in=3600)
            }
            for user in users
        ]
        scenarios = {
            "baseline": (baseline.url, key_headers),
            "api_key": (api_multi.url, key_headers),
            "jwt": (api_multi.url, jwt_headers),
        }
        print("warm-up…", flush=True)
        for url, headers in scenarios.values():  # every user once: caches and records exist
            asyncio.run(drive(url, headers, len(headers) * 2, args.concurrency, Samples()))
        samples = {name: Samples() for name in scenarios}
        for round_number in range(1, args.rounds + 1):
            for name, (url, headers) in scenarios.items():
                asyncio.run(drive(url, headers, args.per_round, args.concurrency, samples[name]))
            print(f"round {round_number}/{args.rounds} done", flush=True)
    finally:
        api_multi.stop()
        baseline.stop()
        meter.stop()
        for standin in (identity, customers, stripe, github):
            standin.server.stop()

    summaries = {name: sample.summary() for name, sample in samples.items()}
    base = summaries["baseline"]
    for name in ("api_key", "jwt"):
        summary = summaries[name]
        summary["vs_baseline"] = {
            metric: round(summary[metric] / base[metric], 2) for metric in ("p50_ms", "p95_ms", "p99_ms")
        }
        summary["vs_baseline"]["throughput"] = round(summary["throughput_rps"] / base["throughput_rps"], 2)
    sizes = {name: round(gzipped_size(BUILD_ROOT / name) / 1024) for name in SOURCES}
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["scripts/bench.py", *sys.argv[1:]]),
        "machine": machine(),
        "load": {
            "rounds": args.rounds,
            "per_round": args.per_round,
            "concurrency": args.concurrency,
            "users": USERS,
            "client": "httpx.AsyncClient (asyncio), keep-alive",
        },
        "scenarios": summaries,
        "spec_design_cost_per_million_usd": round(
            cost_per_million({k: float(v) for k, v in SPEC_DESIGN.items()}), 2
        ),
        "cold_start_seconds": cold,
        "bundle_gzipped_kib": sizes,
        "cpu_time_per_call": "not exposed by the local runtime (workerd reports no per-request CPU time)",
    }


def targets(result: dict[str, Any]) -> list[tuple[str, str, bool]]:
    rows = []
    for mode in ("api_key", "jwt"):
        ratios = result["scenarios"][mode]["vs_baseline"]
        rows.append((f"{mode}: p50 ≤ 1.3x baseline", f"{ratios['p50_ms']}x", ratios["p50_ms"] <= 1.3))
        rows.append((f"{mode}: p99 ≤ 1.3x baseline", f"{ratios['p99_ms']}x", ratios["p99_ms"] <= 1.3))
        kv = result["scenarios"][mode]["kv_per_call"]
        rows.append((f"{mode}: no KV write per call", str(kv["writes"]), kv["writes"] == 0))
        rows.append((f"{mode}: ≤ 1 uncached KV read per call", str(kv["reads"]), kv["reads"] <= 1))
        rows.append((f"{mode}: 1 meter call per call", str(kv["meter_calls"]), kv["meter_calls"] == 1))
    for name, seconds in result["cold_start_seconds"].items():
        rows.append((f"cold start {name} ≤ 1.0 s", f"{seconds} s", seconds <= 1.0))
    for name, kib in result["bundle_gzipped_kib"].items():
        rows.append((f"bundle {name} ≤ 3 MiB gzipped", f"{kib} KiB", kib <= 3 * 1024))
    return rows


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Generated {result['generated_at']} by `{result['command']}` (see the script's docstring).",
        f"Machine: {result['machine']}. Runtime: workerd 1.20241106 via wrangler 3.92.0 (local, offline).",
        "Load: {rounds} interleaved rounds x {per_round} calls a scenario, concurrency {concurrency}, "
        "{users} end users, {client}.".format(**result["load"]),
        "",
        "## POST /api/data",
        "",
        "| scenario | p50 ms | p95 ms | p99 ms | req/s | vs baseline p50 / p99 / throughput "
        "| KV reads / writes / lists, meter calls / rows written per call | $ per million calls |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, s in result["scenarios"].items():
        ratios = s.get("vs_baseline")
        ratio_text = f"{ratios['p50_ms']}x / {ratios['p99_ms']}x / {ratios['throughput']}x" if ratios else "—"
        kv = s.get("kv_per_call")
        kv_text = "—"
        if kv:
            kv_text = f"{kv['reads']} / {kv['writes']} / {kv['lists']}, "
            kv_text += f"{kv['meter_calls']} / {kv['meter_rows_written']}"
        cost = f"{s['cost_per_million_usd']:.2f}" if "cost_per_million_usd" in s else "—"
        lines.append(
            f"| {name} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | {s['throughput_rps']} "
            f"| {ratio_text} | {kv_text} | {cost} |"
        )
    lines += [
        "",
        "Cost is Cloudflare's list prices (KV read $0.50/M, write $5.00/M, list $5.00/M; Workers request "
        "$0.30/M; Durable Object request $0.15/M; SQLite row written $1.00/M past 50M a month included). "
        "The meter's KV snapshots for dashboards (at most one write per end user per "
        "USAGE_SNAPSHOT_SECONDS) are not in the per-call figure. "
        "The spec's design (about 4 reads + 2 writes per call) costs "
        f"${result['spec_design_cost_per_million_usd']:.2f} per million calls.",
        f"CPU time per call: {result['cpu_time_per_call']}.",
        "",
        "## Cold start and bundle size",
        "",
        "| worker | cold start (process start → first 200) | bundle, gzipped |",
        "|---|---|---|",
    ]
    for name, seconds in result["cold_start_seconds"].items():
        lines.append(f"| {name} | {seconds} s | {result['bundle_gzipped_kib'][name]} KiB |")
    lines += ["", "## Targets", "", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {'yes' if met else 'no'} |" for name, value, met in targets(result)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--per-round", type=int, default=150)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--out", type=Path, default=devstack.ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    result = run(args)
    args.out.write_text(markdown(result))
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
