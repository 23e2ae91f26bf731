#!/usr/bin/env python3
"""Benchmark of the hot path: every route side by side with the floor worker of its design.

  make bench   (or: .venv/bin/python scripts/bench.py [--rounds 5] [--seconds 6] [--only NAME ...])

Two layouts, in the pinned workerd. make dev's: the usage meter, api_multi, front_auth_api, the
baseline (scripts/bench_baseline: our adapter and router, no auth, no storage) and the floors
(scripts/bench_floors: a bare Python worker answering a constant, and one making the single
usage-meter call a metered request needs), each in its own process, bound through wrangler's dev
registry. Production's (scripts/bench_one_process.py): each worker in one process with the objects
it calls, beside floors in the same layout. wrk (C, its own process, so the load generator does
not compete with the Python interpreter for the measured CPU) drives each scenario in turn, round
after round, so machine drift hits all of them alike; a streaming client measures the time to the
first token through the gateway and straight from the LLM stand-in (scripts/bench_ttft.py).
Reported: p50/p95/p99 and throughput (medians over rounds), CPU per call, their ratios to the
scenario's floor, storage operations per call (counted at the ports: EXPOSE_KV_OPS), $ per
million calls, cold starts, and the targets met or missed. Writes BENCHMARKS.md and
BENCHMARKS.json. Timing lives here, never in the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dreamapi import webhook_events
from scripts import bench_report, bench_ttft, devstack
from scripts.bench_one_process import ECHO_ROUTE, OneProcess, echo_body, one_process_layouts
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
RESERVE_BODY = '{"units": 1, "ttlSeconds": 3600}'  # none expires while the benchmark runs


DEV, ONE = "dev", "one"  # make dev's layout (a process per worker), production's (one process)


@dataclass(frozen=True)
class Scenario:
    name: str
    worker: str  # the process serving it (a worker of make dev's layout, or a one-process layout)
    method: str
    path: str
    floor: str | None  # the scenario whose numbers this one is compared against
    min_throughput_ratio: float = 0.8
    what: str = ""
    reference: str | None = None  # a second floor, reported beside the first
    layout: str = DEV
    max_latency_ratio: float = 1.2  # p50 (and p99 where checked) against the floor
    check_p99: bool = True
    max_cpu_ratio: float | None = None
    max_reference_p50_ratio: float | None = None  # a target against the reference too


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
        max_latency_ratio=1.3,
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
    # production's layout: each worker in one process with the objects it calls
    Scenario(
        "floor_do",
        "floor_do",
        "POST",
        "/",
        None,
        what="bare Python worker + a minimal JS object: one SQLite check-and-increment",
        layout=ONE,
    ),
    Scenario(
        "floor_meter_1p",
        "floor_meter_1p",
        "POST",
        "/",
        None,
        what="bare Python worker + our usage meter: one `meter` call with a plain payload",
        layout=ONE,
    ),
    Scenario(
        "api_key_1p",
        "api_multi_1p",
        "POST",
        "/api/data",
        "floor_do",
        0.67,
        "metered call, API key + X-User-Id",
        reference="floor_meter_1p",
        layout=ONE,
        max_latency_ratio=1.5,
        check_p99=False,
        max_cpu_ratio=2.0,
    ),
    Scenario(
        "usage_1p",
        "api_multi_1p",
        "GET",
        "/api/usage",
        "floor_do",
        0.67,
        "GET /api/usage, API key",
        layout=ONE,
        max_latency_ratio=1.5,
        check_p99=False,
        max_cpu_ratio=2.0,
    ),
    Scenario(
        "reserve_1p",
        "api_multi_1p",
        "POST",
        "/api/reservations",
        "floor_do",
        0.67,
        "reserve 1 unit (JSON body), API key",
        reference="api_key_1p",
        layout=ONE,
        max_latency_ratio=1.5,
        check_p99=False,
        max_reference_p50_ratio=1.1,
    ),
    Scenario(
        "settle_1p",
        "api_multi_1p",
        "POST",
        "/api/reservations/{id}/settle",
        "floor_do",
        0.67,
        "settle a 1-unit hold (JSON body), API key",
        reference="api_key_1p",
        layout=ONE,
        max_latency_ratio=1.5,
        check_p99=False,
        max_reference_p50_ratio=1.1,
    ),
    Scenario(
        "floor_forward",
        "floor_forward",
        "POST",
        "/{platformId}/v1/echo",
        None,
        what="bare Python worker forwarding to the origin stand-in, nothing else",
        layout=ONE,
    ),
    Scenario(
        "gateway_1p",
        "gateway_1p",
        "POST",
        "/{platformId}/v1/echo",
        "floor_forward",
        0.67,
        "gateway call, end user's own key: hold, forward, settle after the answer",
        layout=ONE,
        max_latency_ratio=1.5,
        check_p99=False,
    ),
)
TTFT_CALLS = 200  # streamed completions each way (bench_report: the targets)

WRK_SCRIPT = """
local requests = %(requests)s
local n = 0
request = function()
  n = n + 1
  local r = requests[(n %% #requests) + 1]
  return wrk.format(r[1], r[2], r[3], r[4])
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


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    headers: dict[str, str]
    body: str | None = None


def lua_string(text: str) -> str:
    return json.dumps(text)  # a JSON string is a Lua string literal for these ASCII values


def wrk_script(calls: list[Call]) -> str:
    """A wrk script cycling through `calls`, one after another across the connections."""
    rows = []
    for call in calls:
        pairs = ", ".join(f"[{lua_string(k)}] = {lua_string(v)}" for k, v in call.headers.items())
        body = lua_string(call.body) if call.body is not None else "nil"
        rows.append(f"{{{lua_string(call.method)}, {lua_string(call.path)}, {{{pairs}}}, {body}}}")
    return WRK_SCRIPT % {"requests": "{\n" + ",\n".join(rows) + "\n}"}


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


def operations_per_call(url: str, calls: list[Call], once_each: bool = False) -> dict[str, float] | None:
    """Storage operations of steady-state calls, as the worker counted them at its ports: the same
    20 calls twice, counted the second time (the first fills the isolate's caches again), or 40
    calls `once_each` (a settle of a fresh hold)."""
    counted: dict[str, list[int]] = {name: [] for name in OPERATIONS}
    with httpx.Client(base_url=url, timeout=30) as client:
        for index in range(40):
            call = calls[index] if once_each else calls[index % min(20, len(calls))]
            reply = client.request(call.method, call.path, headers=call.headers, content=call.body)
            kv, meter = reply.headers.get("x-kv-ops"), reply.headers.get("x-meter-ops")
            if not reply.is_success or not kv or not meter:
                return None
            ops = {k: int(v) for k, v in (part.split("=") for part in kv.split(";"))}
            ops |= {f"meter_{k}": int(v) for k, v in (part.split("=") for part in meter.split(";"))}
            if index >= 20:
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


def prepare(platform: Platform) -> dict[str, list[Call]]:
    """make dev's layout: platforms with a roomy tier (one with a webhook endpoint), their end
    users' credentials, and paid developers."""
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
    headers = {
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
    return {
        scenario.name: [Call(scenario.method, scenario.path, h) for h in headers[scenario.name]]
        for scenario in SCENARIOS
        if scenario.layout == DEV
    }


def one_process_calls(one: OneProcess) -> dict[str, list[Call]]:
    """Production's layout; settle_1p's calls are made per run (each settles a fresh hold)."""
    json_type = {"content-type": "application/json"}
    echo = f"/{one.platform_id}{ECHO_ROUTE}"
    plain = [Call("POST", "/", h) for h in one.key_headers]
    return {
        "floor_do": plain,
        "floor_meter_1p": plain,
        "api_key_1p": [Call("POST", "/api/data", h) for h in one.key_headers],
        "usage_1p": [Call("GET", "/api/usage", h) for h in one.key_headers],
        "floor_forward": [Call("POST", echo, json_type, echo_body())],
        "gateway_1p": [Call("POST", echo, {**h, **json_type}, echo_body()) for h in one.user_key_headers],
    }


def reserve_calls(one: OneProcess, run: int) -> list[Call]:
    """Reservations left open, by end users new to each run: the holds one run leaves do not
    weigh on the next, nor on the metered call's users."""
    users = [f"bench_1p_reserver_{run}_{index}" for index in range(USERS)]
    json_type = {"content-type": "application/json"}
    return [
        Call("POST", "/api/reservations", {**h, **json_type}, RESERVE_BODY) for h in one.headers_of(users)
    ]


def settle_calls(one: OneProcess, count: int) -> list[Call]:
    return [Call("POST", path, headers, '{"units": 1}') for path, headers in one.holds(count)]


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
    with (
        running_platform(root, LOG_DIR, ("api_multi", "front_auth_api"), {"EXPOSE_KV_OPS": "1"}) as platform,
        dev_floors(platform) as extra,
        one_process_layouts(platform, root / "one-process", LOG_DIR) as one,
    ):
        processes = {**platform.workers, **extra, **one.processes}
        urls = {name: process.url for name, process in processes.items()}
        meter_pid = platform.meter.popen.pid
        measured = {
            name: (process.popen.pid, meter_pid) if name not in one.processes else (process.popen.pid,)
            for name, process in processes.items()
        }
        calls = {**prepare(platform), **one_process_calls(one)}
        expected = dict.fromkeys((s.name for s in scenarios), 1000.0)  # calls a second, until measured

        runs = itertools.count()

        def script(scenario: Scenario, seconds: int) -> Path:
            if scenario.name == "settle_1p":  # a fresh hold for each call the run can make
                calls[scenario.name] = settle_calls(one, int(expected[scenario.name] * seconds * 1.5) + 100)
            if scenario.name == "reserve_1p":
                calls[scenario.name] = reserve_calls(one, next(runs))
            path = root / f"{scenario.name}.lua"
            path.write_text(wrk_script(calls[scenario.name]))
            return path

        print("warm-up…", flush=True)
        for scenario in scenarios:
            warm = wrk(urls[scenario.worker], script(scenario, 3), 3, args.connections)
            expected[scenario.name] = warm["throughput_rps"]
        metered = {*platform.workers, "api_multi_1p", "gateway_1p"}
        operations = {}
        for scenario in scenarios:
            if scenario.worker in metered:
                if scenario.name == "settle_1p":
                    calls[scenario.name] = settle_calls(one, 40)  # each settles a fresh hold
                operations[scenario.name] = operations_per_call(
                    urls[scenario.worker], calls[scenario.name], once_each=scenario.name == "settle_1p"
                )
        rounds: dict[str, list[dict[str, float]]] = {s.name: [] for s in scenarios}
        for number in range(1, args.rounds + 1):
            for scenario in scenarios:
                sample = wrk(
                    urls[scenario.worker],
                    script(scenario, args.seconds),
                    args.seconds,
                    args.connections,
                    measured[scenario.worker],
                )
                rounds[scenario.name].append(sample)
                expected[scenario.name] = max(expected[scenario.name], sample["throughput_rps"])
            print(f"round {number}/{args.rounds} done", flush=True)
        ttft = None
        if "gateway_1p" in rounds:
            print("time to first token…", flush=True)
            ttft = bench_ttft.measure(one, platform.llm.base_url, TTFT_CALLS)
    return summarise(args, scenarios, rounds, operations, cold, ttft)


@contextlib.contextmanager
def dev_floors(platform: Platform) -> Iterator[dict[str, devstack.Process]]:
    """The baseline and the floors of make dev's layout, on the platform's state and registry."""
    extra = {}
    try:
        for name in ("bench_baseline", *devstack.FLOORS):
            extra[name] = devstack.start_worker(
                name, devstack.free_port(), platform.persist_dir, LOG_DIR, {}, registry=platform.registry
            )
        devstack.wait_until_up(extra["bench_baseline"])
        for floor in devstack.FLOORS:  # floor_meter's answer is a meter read: the meter is reachable
            devstack.wait_until_up(extra[floor], "/")
        yield extra
    finally:
        for process in extra.values():
            process.stop()


def summarise(
    args: argparse.Namespace,
    scenarios_run: tuple[Scenario, ...],
    rounds: dict[str, list[dict[str, float]]],
    operations: dict[str, dict[str, float] | None],
    cold: dict[str, float],
    ttft: dict[str, Any] | None,
) -> dict[str, Any]:
    scenarios: dict[str, dict[str, Any]] = {}
    for scenario in scenarios_run:
        samples = rounds[scenario.name]
        worker_cpu = round(statistics.median(sample["cpu_ms_0"] for sample in samples), 3)
        meter_cpu = (
            round(statistics.median(sample["cpu_ms_1"] for sample in samples), 3)
            if scenario.layout == DEV
            else None
        )
        summary: dict[str, Any] = {
            "what": scenario.what,
            "layout": scenario.layout,
            "request": f"{scenario.method} {scenario.path}",
            "floor": scenario.floor,
            **{
                metric: round(statistics.median(sample[metric] for sample in samples), 2)
                for metric in ("p50_ms", "p95_ms", "p99_ms", "throughput_rps")
            },
            "worker_cpu_ms_per_call": worker_cpu,
            "meter_cpu_ms_per_call": meter_cpu,
            "cpu_ms_per_call": round(worker_cpu + (meter_cpu or 0), 3),
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
        mine = scenarios[scenario.name]
        for key, other in (("vs_floor", scenario.floor), ("vs_reference", scenario.reference)):
            if other and other in scenarios:
                theirs = scenarios[other]
                mine[key] = {
                    "name": other,
                    **{m: round(mine[m] / theirs[m], 2) for m in ("p50_ms", "p95_ms", "p99_ms")},
                    "throughput": round(mine["throughput_rps"] / theirs["throughput_rps"], 2),
                    "cpu": round(mine["cpu_ms_per_call"] / theirs["cpu_ms_per_call"], 2),
                }
    sizes = {name: round(gzipped_size(BUILD_ROOT / name) / 1024) for name in (*WORKERS, "bench_baseline")}
    return {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": " ".join(["scripts/bench.py", *sys.argv[1:]]),
        "machine": bench_report.machine(),
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
        "gateway_metering": gateway_metering(scenarios),
        "ttft": ttft,
        "cold_start_seconds": cold,
        "bundle_gzipped_kib": sizes,
    }


def gateway_metering(scenarios: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """What metering adds to a forwarded call (gateway_1p above floor_forward) against what it
    adds to a metered call (api_key_1p above floor_bare), at p50 and in CPU per call."""
    needed = ("gateway_1p", "floor_forward", "api_key_1p", "floor_bare")
    if not all(name in scenarios for name in needed):
        return None
    gateway, forward, metered, bare = (scenarios[name] for name in needed)
    result: dict[str, Any] = {}
    for metric in ("p50_ms", "cpu_ms_per_call"):
        added, own = gateway[metric] - forward[metric], metered[metric] - bare[metric]
        result[metric] = {
            "gateway": round(added, 3),
            "metered_call": round(own, 3),
            "ratio": round(added / own, 2),
        }
    return result


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
    report = bench_report.markdown(result, SCENARIOS)
    args.out.write_text(report)
    args.out.with_suffix(".json").write_text(json.dumps(result, indent=2) + "\n")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
