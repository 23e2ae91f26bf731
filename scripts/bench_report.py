"""BENCHMARKS.md from a benchmark's result (scripts/bench.py): the tables per layout, the gateway's
metering, the time to first token, cold starts, and every target met or missed."""

from __future__ import annotations

import os
import platform as host
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol


class ScenarioSpec(Protocol):
    name: str
    floor: str | None
    reference: str | None
    layout: str
    min_throughput_ratio: float
    max_latency_ratio: float
    check_p99: bool
    max_cpu_ratio: float | None
    max_reference_p50_ratio: float | None


GATEWAY_METERING_RATIO = 1.2  # the gateway's metering at most 1.2x the metered call's own
TTFT_ADDED_P50_MS = 5.0  # the gateway adds at most this to the time to first token, at p50


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


def targets(result: dict[str, Any], specs: Sequence[ScenarioSpec]) -> list[tuple[str, str, bool]]:
    rows = []
    measured = result["scenarios"]
    for spec in specs:
        if spec.name not in measured:
            continue
        ratios = measured[spec.name].get("vs_floor")
        if ratios:
            floor = spec.floor
            metrics = ("p50_ms", "p99_ms") if spec.check_p99 else ("p50_ms",)
            for metric in metrics:
                name = f"{spec.name}: {metric[:3]} ≤ {spec.max_latency_ratio}x {floor}"
                rows.append((name, f"{ratios[metric]}x", ratios[metric] <= spec.max_latency_ratio))
            name = f"{spec.name}: throughput ≥ {spec.min_throughput_ratio}x {floor}"
            rows.append((name, f"{ratios['throughput']}x", ratios["throughput"] >= spec.min_throughput_ratio))
            if spec.max_cpu_ratio is not None:
                name = f"{spec.name}: CPU per call ≤ {spec.max_cpu_ratio}x {floor}"
                rows.append((name, f"{ratios['cpu']}x", ratios["cpu"] <= spec.max_cpu_ratio))
        reference = measured[spec.name].get("vs_reference")
        if reference and spec.max_reference_p50_ratio is not None:
            name = f"{spec.name}: p50 ≤ {spec.max_reference_p50_ratio}x {spec.reference}"
            rows.append(
                (name, f"{reference['p50_ms']}x", reference["p50_ms"] <= spec.max_reference_p50_ratio)
            )
    metering = result.get("gateway_metering")
    if metering:
        for metric, label in (("p50_ms", "p50"), ("cpu_ms_per_call", "CPU per call")):
            ratio = metering[metric]["ratio"]
            name = f"gateway_1p: metering ({label}) ≤ {GATEWAY_METERING_RATIO}x the metered call's own"
            rows.append((name, f"{ratio}x", ratio <= GATEWAY_METERING_RATIO))
    ttft = result.get("ttft")
    if ttft:
        name = f"time to first token through the gateway ≤ stand-in + {TTFT_ADDED_P50_MS:g} ms at p50"
        rows.append((name, f"+{ttft['added_p50_ms']} ms", ttft["added_p50_ms"] <= TTFT_ADDED_P50_MS))
    for name, s in measured.items():
        rows.append((f"{name}: no failed call", str(s["failures"]), s["failures"] == 0))
        if "operations_per_call" in s:
            ops = s["operations_per_call"]
            rows.append((f"{name}: no KV write", str(ops["writes"]), ops["writes"] == 0))
    return rows


def _table(scenarios: dict[str, dict[str, Any]]) -> list[str]:
    lines = [
        "| scenario | request | p50 ms | p95 ms | p99 ms | req/s | vs floor p50 / p99 / throughput / CPU "
        "| CPU ms per call (worker / meter) | KV r/w/l, meter calls/rows per call | $ per M calls | failed |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, s in scenarios.items():
        parts = []
        for key in ("vs_floor", "vs_reference"):
            if key in s:
                r = s[key]
                parts.append(
                    f"{r['p50_ms']}x / {r['p99_ms']}x / {r['throughput']}x / {r['cpu']}x ({r['name']})"
                )
        cpu = f"{s['cpu_ms_per_call']}"
        if s["meter_cpu_ms_per_call"] is not None:
            cpu += f" ({s['worker_cpu_ms_per_call']} / {s['meter_cpu_ms_per_call']})"
        ops = s.get("operations_per_call")
        ops_text = "—"
        if ops:
            kv = f"{ops['reads']}/{ops['writes']}/{ops['lists']}"
            ops_text = f"{kv}, {ops['meter_calls']}/{ops['meter_rows_written']}"
        cost = f"{s['cost_per_million_usd']:.2f}" if "cost_per_million_usd" in s else "—"
        lines.append(
            f"| {name} | {s['request']} | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} "
            f"| {s['throughput_rps']} | {'; '.join(parts) or '—'} | {cpu} | {ops_text} | {cost} "
            f"| {s['failures']} |"
        )
    return lines


def markdown(result: dict[str, Any], specs: Sequence[ScenarioSpec]) -> str:
    load = result["load"]
    by_layout = {
        layout: {name: s for name, s in result["scenarios"].items() if s["layout"] == layout}
        for layout in ("one", "dev")
    }
    lines = [
        "# Benchmarks",
        "",
        f"Generated {result['generated_at']} by `{result['command']}` (see the script's docstring).",
        f"Machine: {result['machine']}. Runtime: workerd 1.20241106 via wrangler 3.92.0 (local, offline).",
        f"Load: {load['generator']}, {load['threads']} thread, {load['connections']} connections, "
        f"{load['seconds_per_scenario_per_round']} s per scenario per round, {load['rounds']} interleaved "
        f"rounds (medians below), {load['end_users']} end users, {load['developers']} developers.",
        "",
        "## Production's layout: each worker in one process with the objects it calls",
        "",
        *_table(by_layout["one"]),
        "",
        "`floor_do` is a bare Python worker calling a minimal JS object that does one SQLite "
        "check-and-increment; `floor_meter_1p` calls our usage meter instead (what the meter itself "
        "costs); `floor_forward` only forwards to the origin stand-in. Each process also runs an idle "
        "worker that wrangler's DevTools proxy is moved to once everything is up "
        "(`scripts/devstack.py: start_one_process`): that proxy turns each subrequest of the worker it "
        "follows into four Network events handled by wrangler's Node process, about 3 ms of CPU per "
        "call that production does not have, and which worker it follows is a start-up race.",
    ]
    metering = result.get("gateway_metering")
    if metering:
        p50, cpu = metering["p50_ms"], metering["cpu_ms_per_call"]
        lines += [
            "",
            f"Gateway metering: what metering adds to a forwarded call (gateway_1p above floor_forward) "
            f"is {p50['gateway']} ms at p50 and {cpu['gateway']} ms of CPU, against {p50['metered_call']} "
            f"ms and {cpu['metered_call']} ms for a metered call's own (api_key_1p above floor_bare): "
            f"{p50['ratio']}x and {cpu['ratio']}x. Its storage columns count what happens before the "
            "answer leaves (the hold); the settle runs after it (waitUntil), one more meter call and "
            "its rows per call that those columns and the cost do not show.",
        ]
    ttft = result.get("ttft")
    if ttft:
        lines += [
            "",
            "Time to first token (a streamed chat completion, one at a time, alternately; "
            f"{ttft['direct']['calls']} each):",
            "",
            "| path | p50 ms | p99 ms |",
            "|---|---|---|",
            f"| straight from the LLM stand-in | {ttft['direct']['p50_ms']} | {ttft['direct']['p99_ms']} |",
            f"| through the gateway | {ttft['gateway']['p50_ms']} | {ttft['gateway']['p99_ms']} |",
            f"| added by the gateway | {ttft['added_p50_ms']} | {ttft['added_p99_ms']} |",
        ]
    lines += [
        "",
        "## make dev's layout: a process per worker, bound through wrangler's dev registry",
        "",
        *_table(by_layout["dev"]),
        "",
        "`floor_bare` is a bare Python worker returning a constant (no adapter); `floor_http` also "
        "reads the method, URL and headers and answers JSON with two headers (what any adapter must "
        "cross into JavaScript for); `floor_meter` / `floor_peek` are bare Python workers making the "
        "one usage-meter call (count / read) the route needs, through the same cross-process path. "
        "Here every call to the meter crosses wrangler's dev registry proxy, and each worker's own "
        "DevTools proxy reports it: most of these figures are local plumbing, so the production "
        "layout above is the one to read for our own cost.",
        "",
        "Cost: Cloudflare list prices (Workers request $0.30/M, KV read $0.50/M, write and list "
        "$5.00/M, Durable Object request $0.15/M, SQLite row written $1.00/M past 50M a month). The "
        "meter's dashboard snapshots (at most one KV write per active end user per "
        "USAGE_SNAPSHOT_SECONDS) are not per call.",
        "CPU: user + system time per call of the process group serving the scenario (wrangler, its "
        "proxies, workerd) — in make dev's layout plus the meter's own process — read from /proc "
        "around each wrk run; wrangler logs at warn, so it does no per-request logging.",
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
    lines += [
        f"| {name} | {value} | {'yes' if met else 'no'} |" for name, value, met in targets(result, specs)
    ]
    return "\n".join(lines) + "\n"
