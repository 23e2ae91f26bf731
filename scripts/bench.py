#!/usr/bin/env python3
"""Benchmark of the hot path: every route side by side with the floor worker of its design.

  make bench   (or: .venv/bin/python scripts/bench.py [--rounds 5] [--seconds 6] [--connections 4])

Starts, in the pinned workerd, the usage meter, api_multi, front_auth_api, the baseline
(scripts/bench_baseline: our adapter and router, no auth, no storage) and two floor workers
(scripts/bench_floors: a bare Python worker answering a constant, and one making the single
usage-meter call a metered request needs, with no adapter). wrk (C, its own process, so the load
generator does not compete with the Python interpreter for the measured CPU) drives each
scenario in turn, round after round, so machine drift hits all of them alike. Reported: p50/p95/
p99 and throughput (medians over rounds), their ratios to the scenario's floor, storage
operations per call (counted at the ports: EXPOSE_KV_OPS), $ per million calls, cold starts.
Writes BENCHMARKS.md and BENCHMARKS.json. Timing lives here, never in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dreamapi import webhook_events
from scripts import devstack
from scripts.build import BUILD_ROOT, WORKERS, gzipped_size
from scripts.local_platform import Platform, running_platform

# Cloudflare list prices, $ per million: Workers requests, KV operations, Durable Object
# requests and SQLite rows written (past the 50M a month included).
PRICES_PER_MILLION = {
    "request": 0.30,
    "reads": 0.50,
    "writes": 5.00,
    "lists": 5.00,
    "meter_calls": 0.15,
    "meter_rows_written": 1.00,
}
OPERATIONS = ("reads", "writes", "lists", "meter_calls", "meter_rows_written")
USERS = 50
# front_auth_api allows each developer 100 calls a minute: 50 stay under it at the rates measured
# here (each scenario runs `--seconds` per round), and well under the local Durable Object proxy's
# few hundred objects per process (README "The two commands").
DEVELOPERS = 50
LOG_DIR = devstack.ROOT / "artifacts" / "bench"
TARGET_LATENCY_RATIO = 1.2


@dataclass(frozen=True)
class Scenario:
    name: str
    worker: str
    method: str
    path: str
    floor: str | None  # the scenario whose numbers this one is compared against
    min_throughput_ratio: float = 0.8
    what: str = ""
    reference: str | None = None  # a second floor, reported beside the first (not a target)


SCENARIOS = (
    Scenario("floor_bare", "floor_bare", "POST", "/", None, what="bare Python worker, constant answer"),
    Scenario(
        "baseline",
        "bench_baseline",
        "POST",
        "/api/data",
        "floor_bare",
        0.85,
        "our adapter + router, no storage",
        reference="floor_http",
    ),
    Scenario(
        "floor_http",
        "floor_http",
        "POST",
        "/",
        None,
        what="bare Python worker reading method, URL and headers, answering JSON with 2 headers",
    ),
    Scenario("floor_meter", "floor_meter", "POST", "/", None, what="bare Python worker + one meter call"),
    Scenario(
        "api_key", "api_multi", "POST", "/api/data", "floor_meter", what="metered call, API key + X-User-Id"
    ),
    Scenario(
        "api_key_webhooks",
        "api_multi",
        "POST",
        "/api/data",
        "floor_meter",
        what="metered call, API key, on a platform with a webhook endpoint and 10 alert thresholds",
        reference="api_key",
    ),
    Scenario(
        "jwt", "api_multi", "POST", "/api/data", "floor_meter", what="metered call, end user's Clerk JWT"
    ),
    Scenario("floor_peek", "floor_meter", "GET", "/", None, what="bare Python worker + one meter read"),
    Scenario("usage", "api_multi", "GET", "/api/usage", "floor_peek", what="GET /api/usage, API key"),
    Scenario(
        "verify_auth",
        "front_auth_api",
        "POST",
        "/verify-auth",
        "floor_meter",
        what="developer's own call, JWT",
    ),
)

WRK_SCRIPT = """
local headers = %(headers)s
local n = 0
request = function()
  n = n + 1
  return wrk.format(%(method)s, %(path)s, headers[(n %% #headers) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  local f = io.open(os.getenv("WRK_RESULT"), "w")
  f:write(string.format('{"p50_us":%%d,"p95_us":%%d,"p99_us":%%d,"requests":%%d,"duration_us":%%d,' ..
    '"socket_errors":%%d,"non_2xx":%%d}', latency:percentile(50), latency:percentile(95),
    latency:percentile(99), summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status))
  f:close()
end
"""


def lua_headers(headers: list[dict[str, str]]) -> str:
    rows = ", ".join(
        "{" + ", ".join(f"[{json.dumps(k)}] = {json.dumps(v)}" for k, v in h.items()) + "}" for h in headers
    )
    return "{" + rows + "}"


def cpu_seconds(process_group: int) -> float:
    """CPU time (user + system) used so far by every process of a process group: a worker's
    wrangler, its dev proxy and its workerd."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[2]) == process_group:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def wrk(
    url: str, script: Path, seconds: int, connections: int, measured: tuple[int, ...] = ()
) -> dict[str, float]:
    """One wrk run; `measured` process groups (the worker's, the meter's) get CPU ms per call."""
    result = script.with_suffix(".json")
    result.unlink(missing_ok=True)
    cpu_before = [cpu_seconds(group) for group in measured]
    subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(script), url],
        check=True,
        capture_output=True,
        env={**os.environ, "WRK_RESULT": str(result)},
    )
    cpu_used = [cpu_seconds(group) - before for group, before in zip(measured, cpu_before, strict=True)]
    raw = json.loads(result.read_text())
    calls = max(raw["requests"], 1)
    return {
        **{f"cpu_ms_{index}": used / calls * 1000 for index, used in enumerate(cpu_used)},
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "throughput_rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "requests": raw["requests"],
        "failures": raw["socket_errors"] + raw["non_2xx"],
    }


def cold_start(worker: str, log_dir: Path) -> float:
    """Process start to the first successful response, alone, on a fresh state."""
    path = "/" if worker in devstack.FLOORS else "/health"
    with tempfile.TemporaryDirectory() as state:
        started = time.monotonic()
        process = devstack.start_worker(
            worker, devstack.free_port(), Path(state), log_dir, {}, registry=Path(state) / "registry"
        )
        try:
            devstack.wait_until_up(process, path)
            return round(time.monotonic() - started, 2)
        finally:
            process.stop()


def operations_per_call(
    url: str, scenario: Scenario, headers: list[dict[str, str]]
) -> dict[str, float] | None:
    """Storage operations of a steady-state call, as the worker counted them at its ports."""
    counted: dict[str, list[int]] = {name: [] for name in OPERATIONS}
    with httpx.Client(base_url=url, timeout=30) as client:
        for index in range(20):
            reply = client.request(scenario.method, scenario.path, headers=headers[index % len(headers)])
            kv, meter = reply.headers.get("x-kv-ops"), reply.headers.get("x-meter-ops")
            if reply.status_code != 200 or not kv or not meter:
                return None
            ops = {k: int(v) for k, v in (part.split("=") for part in kv.split(";"))}
            ops |= {f"meter_{k}": int(v) for k, v in (part.split("=") for part in meter.split(";"))}
            for name in OPERATIONS:
                counted[name].append(ops[name])
    return {name: round(statistics.fmean(values), 3) for name, values in counted.items()}


def cost_per_million(operations: dict[str, float]) -> float:
    return round(
        PRICES_PER_MILLION["request"]
        + sum(PRICES_PER_MILLION[name] * operations[name] for name in OPERATIONS),
        2,
    )


def bench_platform(api_multi: str) -> tuple[str, str]:
    """A registered platform whose one tier no benchmark can exhaust: (API key, platform id)."""
    registered = httpx.post(
        f"{api_multi}/api/developer/register", json={"email": f"bench-{secrets.token_hex(4)}@example.com"}
    ).json()
    key = registered["apiKey"]
    tiers = [{"name": "bench", "limit": 1_000_000_000, "rateLimit": 100_000, "default": True}]
    httpx.put(
        f"{api_multi}/api/developer/tiers", json={"tiers": tiers}, headers={"authorization": f"Bearer {key}"}
    ).raise_for_status()
    return key, registered["platformId"]


def with_webhooks(api_multi: str, api_key: str, receiver_url: str) -> None:
    """An endpoint taking every event type and the most thresholds a platform may set."""
    headers = {"authorization": f"Bearer {api_key}"}
    endpoint = {"url": receiver_url, "events": list(webhook_events.EVENT_TYPES)}
    httpx.post(f"{api_multi}/api/developer/webhooks", json=endpoint, headers=headers).raise_for_status()
    thresholds = {"usageThresholds": list(range(10, 101, 10)), "creditsBelow": 100}
    httpx.put(f"{api_multi}/api/developer/alerts", json=thresholds, headers=headers).raise_for_status()


def prepare(platform: Platform) -> dict[str, list[dict[str, str]]]:
    """Platforms with a roomy tier (one with a webhook endpoint), their end users' credentials,
    and paid developers."""
    api_multi = platform.workers["api_multi"].url
    key, platform_id = bench_platform(api_multi)
    hooked_key, _ = bench_platform(api_multi)
    with_webhooks(api_multi, hooked_key, platform.webhooks.url("bench"))
    users = [f"bench_user_{index}" for index in range(USERS)]
    key_headers = [{"authorization": f"Bearer {key}", "x-user-id": user} for user in users]
    jwt_headers = [
        {
            "authorization": "Bearer "
            + platform.customer_identity.issue(
                user, public_metadata={"platformId": platform_id}, expires_in=7200
            )
        }
        for user in users
    ]
    developers = [f"user_bench_{index}" for index in range(DEVELOPERS)]
    for developer in developers:
        billing = {"plan": "paid", "status": "active", "updated_at": int(time.time())}
        platform.kv.put("TOKENS_KV", f"user:{developer}:billing", json.dumps(billing))
    developer_headers = [
        {"authorization": "Bearer " + platform.developer_token(developer, expires_in=7200)}
        for developer in developers
    ]
    return {
        "floor_bare": key_headers,
        "baseline": key_headers,
        "floor_http": key_headers,
        "floor_meter": key_headers,
        "api_key": key_headers,
        "api_key_webhooks": [{**h, "authorization": f"Bearer {hooked_key}"} for h in key_headers],
        "jwt": jwt_headers,
        "floor_peek": key_headers,
        "usage": key_headers,
        "verify_auth": developer_headers,
    }


def chosen(only: list[str] | None) -> tuple[Scenario, ...]:
    if not only:
        return SCENARIOS
    chosen_ones = [s for s in SCENARIOS if s.name in only]
    names = set(only) | {floor for s in chosen_ones for floor in (s.floor, s.reference) if floor}
    return tuple(s for s in SCENARIOS if s.name in names)


def run(args: argparse.Namespace) -> dict[str, Any]:
    scenarios = chosen(args.only)
    if shutil.which("wrk") is None:
        raise SystemExit(
            "wrk is not installed: run `make bench` (it installs Debian's wrk) or apt-get install wrk"
        )
    # At "info" wrangler logs every request: its Node process then burns ~0.5 ms of CPU per call on
    # the same two cores, which production does not have and which blurs every figure.
    os.environ.setdefault("DREAMAPI_WRANGLER_LOG_LEVEL", "warn")
    devstack.build_all_workers()
    subprocess.run(
        [sys.executable, str(devstack.ROOT / "scripts" / "build.py"), "bench_baseline"], check=True
    )
    print("cold starts (each worker alone, fresh state)…", flush=True)
    cold = {
        name: cold_start(name, LOG_DIR) for name in (devstack.METER, *WORKERS, "bench_baseline", "floor_bare")
    }
    print(json.dumps(cold), flush=True)

    root = Path(tempfile.mkdtemp(prefix="dreamapi-bench-"))
    with running_platform(root, LOG_DIR, ("api_multi", "front_auth_api"), {"EXPOSE_KV_OPS": "1"}) as platform:
        extra = {
            name: devstack.start_worker(
                name, devstack.free_port(), platform.persist_dir, LOG_DIR, {}, registry=platform.registry
            )
            for name in ("bench_baseline", *devstack.FLOORS)
        }
        try:
            devstack.wait_until_up(extra["bench_baseline"])
            devstack.wait_until_up(extra["floor_bare"], "/")
            devstack.wait_until_up(extra["floor_http"], "/")
            devstack.wait_until_up(extra["floor_meter"], "/")  # a meter read: the meter is reachable
            processes = {**platform.workers, **extra}
            urls = {name: process.url for name, process in processes.items()}
            measured = {
                name: (process.popen.pid, platform.meter.popen.pid) for name, process in processes.items()
            }
            headers = prepare(platform)
            scripts = {}
            for scenario in scenarios:
                script = root / f"{scenario.name}.lua"
                script.write_text(
                    WRK_SCRIPT
                    % {
                        "headers": lua_headers(headers[scenario.name]),
                        "method": json.dumps(scenario.method),
                        "path": json.dumps(scenario.path),
                    }
                )
                scripts[scenario.name] = script
            print("warm-up…", flush=True)
            for scenario in scenarios:
                wrk(urls[scenario.worker], scripts[scenario.name], 3, args.connections)
            operations = {
                s.name: operations_per_call(urls[s.worker], s, headers[s.name])
                for s in scenarios
                if s.worker in platform.workers
            }
            rounds: dict[str, list[dict[str, float]]] = {s.name: [] for s in scenarios}
            for number in range(1, args.rounds + 1):
                for scenario in scenarios:
                    rounds[scenario.name].append(
                        wrk(
                            urls[scenario.worker],
                            scripts[scenario.name],
                            args.seconds,
                            args.connections,
                            measured[scenario.worker],
                        )
                    )
                print(f"round {number}/{args.rounds} done", flush=True)
        finally:
            for process in extra.values():
                process.stop()
    return summarise(args, scenarios, rounds, operations, cold)


def summarise(
    args: argparse.Namespace,
    scenarios_run: tuple[Scenario, ...],
    rounds: dict[str, list[dict[str, float]]],
    operations: dict[str, dict[str, float] | None],
    cold: dict[str, float],
) -> dict[str, Any]:
    scenarios: dict[str, dict[str, Any]] = {}
    for scenario in scenarios_run:
        samples = rounds[scenario.name]
        summary: dict[str, Any] = {
            "what": scenario.what,
            "request": f"{scenario.method} {scenario.path}",
            "floor": scenario.floor,
            **{
                metric: round(statistics.median(sample[metric] for sample in samples), 2)
                for metric in ("p50_ms", "p95_ms", "p99_ms", "throughput_rps")
            },
            "worker_cpu_ms_per_call": round(statistics.median(sample["cpu_ms_0"] for sample in samples), 3),
            "meter_cpu_ms_per_call": round(statistics.median(sample["cpu_ms_1"] for sample in samples), 3),
            "requests": int(sum(sample["requests"] for sample in samples)),
            "failures": int(sum(sample["failures"] for sample in samples)),
            "rounds": samples,
        }
        ops = operations.get(scenario.name)
        if ops:
            summary["operations_per_call"] = ops
            summary["cost_per_million_usd"] = cost_per_million(ops)
        scenarios[scenario.name] = summary
    for scenario in scenarios_run:
        if scenario.floor:
            mine, floor = scenarios[scenario.name], scenarios[scenario.floor]
            scenarios[scenario.name]["vs_floor"] = {
                **{m: round(mine[m] / floor[m], 2) for m in ("p50_ms", "p95_ms", "p99_ms")},
                "throughput": round(mine["throughput_rps"] / floor["throughput_rps"], 2),
            }
        if scenario.reference and scenario.reference in scenarios:
            mine, reference = scenarios[scenario.name], scenarios[scenario.reference]
            scenarios[scenario.name]["vs_reference"] = {
                "floor": scenario.reference,
                **{m: round(mine[m] / reference[m], 2) for m in ("p50_ms", "p99_ms")},
                "throughput": round(mine["throughput_rps"] / reference["throughput_rps"], 2),
            }
    sizes = {name: round(gzipped_size(BUILD_ROOT / name) / 1024) for name in (*WORKERS, "bench_baseline")}
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["scripts/bench.py", *sys.argv[1:]]),
        "machine": machine(),
        "load": {
            "generator": subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0]
            or "wrk",
            "threads": 1,
            "connections": args.connections,
            "seconds_per_scenario_per_round": args.seconds,
            "rounds": args.rounds,
            "end_users": USERS,
            "developers": DEVELOPERS,
        },
        "scenarios": scenarios,
        "cold_start_seconds": cold,
        "bundle_gzipped_kib": sizes,
    }


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        host.processor(),
    )
    memory_kb = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return (
        f"{cpu}, {os.cpu_count()} cores, {memory_kb / 1024 / 1024:.0f} GiB, {host.system()} {host.release()}"
    )


def targets(result: dict[str, Any]) -> list[tuple[str, str, bool]]:
    rows = []
    for scenario in SCENARIOS:
        if not scenario.floor or scenario.name not in result["scenarios"]:
            continue
        ratios = result["scenarios"][scenario.name]["vs_floor"]
        for metric in ("p50_ms", "p99_ms"):
            name = f"{scenario.name}: {metric[:3]} ≤ {TARGET_LATENCY_RATIO}x {scenario.floor}"
            rows.append((name, f"{ratios[metric]}x", ratios[metric] <= TARGET_LATENCY_RATIO))
        name = f"{scenario.name}: throughput ≥ {scenario.min_throughput_ratio}x {scenario.floor}"
        rows.append((name, f"{ratios['throughput']}x", ratios["throughput"] >= scenario.min_throughput_ratio))
    for name, s in result["scenarios"].items():
        rows.append((f"{name}: no failed call", str(s["failures"]), s["failures"] == 0))
        if "operations_per_call" in s:
            ops = s["operations_per_call"]
            rows.append((f"{name}: no KV write", str(ops["writes"]), ops["writes"] == 0))
    return rows


def markdown(result: dict[str, Any]) -> str:
    load = result["load"]
    lines = [
        "# Benchmarks",
        "",
        f"Generated {result['generated_at']} by `{result['command']}` (see the script's docstring).",
        f"Machine: {result['machine']}. Runtime: workerd 1.20241106 via wrangler 3.92.0 (local, offline).",
        f"Load: {load['generator']}, {load['threads']} thread, {load['connections']} connections, "
        f"{load['seconds_per_scenario_per_round']} s per scenario per round, {load['rounds']} interleaved "
        f"rounds (medians below), {load['end_users']} end users, {load['developers']} developers.",
        "",
        "| scenario | request | p50 ms | p95 ms | p99 ms | req/s | vs floor p50 / p99 / throughput "
        "| CPU ms per call: worker / meter | KV r/w/l, meter calls/rows per call | $ per M calls | failed |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in result["scenarios"].items():
        ratios = s.get("vs_floor")
        ratio_text = (
            f"{ratios['p50_ms']}x / {ratios['p99_ms']}x / {ratios['throughput']}x ({s['floor']})"
            if ratios
            else "—"
        )
        if "vs_reference" in s:
            ref = s["vs_reference"]
            ratio_text += f"; {ref['p50_ms']}x / {ref['p99_ms']}x / {ref['throughput']}x ({ref['floor']})"
        cpu_text = f"{s['worker_cpu_ms_per_call']} / {s['meter_cpu_ms_per_call']}"
        ops = s.get("operations_per_call")
        ops_text = "—"
        if ops:
            ops_text = f"{ops['reads']}/{ops['writes']}/{ops['lists']}, "
            ops_text += f"{ops['meter_calls']}/{ops['meter_rows_written']}"
        cost = f"{s['cost_per_million_usd']:.2f}" if "cost_per_million_usd" in s else "—"
        lines.append(
            f"| {name} | {s['request']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} "
            f"| {s['throughput_rps']} | {ratio_text} | {cpu_text} | {ops_text} | {cost} | {s['failures']} |"
        )
    lines += [
        "",
        "Floors: `floor_bare` is a bare Python worker returning a constant (no adapter); `floor_http` "
        "also reads the method, URL and headers and answers JSON with two headers (what any adapter "
        "must cross into JavaScript for); "
        "`floor_meter` / `floor_peek` are bare Python workers making the one usage-meter call "
        "(count / read) the route needs, through the same local Durable Object path. Ratios compare a "
        "route with the floor of its design.",
        "Cost: Cloudflare list prices (Workers request $0.30/M, KV read $0.50/M, write and list "
        "$5.00/M, Durable Object request $0.15/M, SQLite row written $1.00/M past 50M a month). The "
        "meter's dashboard snapshots (at most one KV write per active end user per "
        "USAGE_SNAPSHOT_SECONDS) are not per call.",
        "CPU: user + system time per call of the worker's process group (wrangler, its dev proxy, "
        "workerd) and of the meter's, read from /proc around each wrk run; wrangler logs at warn, "
        "so it does no per-request work.",
        "",
        "## Cold start and bundle size",
        "",
        "| worker | cold start (process start → first 200) | bundle, gzipped |",
        "|---|---|---|",
    ]
    for name, seconds in result["cold_start_seconds"].items():
        size = result["bundle_gzipped_kib"].get(name)
        lines.append(f"| {name} | {seconds} s | {f'{size} KiB' if size is not None else '—'} |")
    lines += [
        "",
        "Cold start here includes starting wrangler and workerd and loading Pyodide and every "
        "bundled module; production Python Workers restore a memory snapshot taken at deploy time.",
        "",
        "## Targets",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {value} | {'yes' if met else 'no'} |" for name, value, met in targets(result)]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=6, help="per scenario per round")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument(
        "--only", nargs="+", choices=[s.name for s in SCENARIOS], help="these scenarios (and their floors)"
    )
    parser.add_argument("--out", type=Path, default=devstack.ROOT / "BENCHMARKS.md")
    args = parser.parse_args(argv)
    result = run(args)
    args.out.write_text(markdown(result))
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
