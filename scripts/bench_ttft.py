"""Time to first token (scripts/bench.py): a streamed chat completion straight from the LLM
stand-in and through the gateway (one-process layout), alternately, one at a time.

wrk cannot see inside a stream, so this client reads each answer as it arrives and stops the clock
at the first chunk carrying content (httpx, with the raw stream: no SDK parsing in the figure).
"""

from __future__ import annotations

import json
import statistics
import time
from typing import Any

import httpx

from scripts.bench_one_process import CHAT_ROUTE, MODEL, PROVIDER_KEY, OneProcess


def first_token_ms(client: httpx.Client, url: str, key: str) -> float:
    body = {
        "model": MODEL,
        "stream": True,
        "max_tokens": 16,
        "messages": [{"role": "user", "content": "Say hello to the benchmark"}],
    }
    started = time.perf_counter()
    with client.stream("POST", url, json=body, headers={"authorization": f"Bearer {key}"}) as reply:
        reply.raise_for_status()
        lines = reply.iter_lines()
        for line in lines:
            if not line.startswith("data: ") or line == "data: [DONE]":
                continue
            choices = json.loads(line[6:]).get("choices") or [{}]
            if choices[0].get("delta", {}).get("content"):
                elapsed = (time.perf_counter() - started) * 1000
                for _ in lines:  # read to the end: the gateway settles from the whole answer
                    pass
                return elapsed
    raise RuntimeError(f"no content in the stream from {url}")


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(layout: OneProcess, llm_url: str, calls: int) -> dict[str, Any]:
    direct_url, gateway_url = llm_url + CHAT_ROUTE, layout.gateway_base + CHAT_ROUTE
    keys = layout.user_keys
    samples: dict[str, list[float]] = {"direct": [], "gateway": []}
    with httpx.Client(timeout=30) as client:
        for index in range(10):  # warm: isolates, caches, connections
            first_token_ms(client, direct_url, PROVIDER_KEY)
            first_token_ms(client, gateway_url, keys[index % len(keys)])
        for index in range(calls):
            samples["direct"].append(first_token_ms(client, direct_url, PROVIDER_KEY))
            samples["gateway"].append(first_token_ms(client, gateway_url, keys[index % len(keys)]))
    summary = {
        name: {
            "p50_ms": round(statistics.median(values), 2),
            "p99_ms": round(percentile(values, 0.99), 2),
            "calls": len(values),
        }
        for name, values in samples.items()
    }
    summary["added_p50_ms"] = round(summary["gateway"]["p50_ms"] - summary["direct"]["p50_ms"], 2)
    summary["added_p99_ms"] = round(summary["gateway"]["p99_ms"] - summary["direct"]["p99_ms"], 2)
    return summary
