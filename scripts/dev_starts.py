#!/usr/bin/env python3
"""Starts and stops `make dev` again and again, and counts the starts that did not come up.

  .venv/bin/python scripts/dev_starts.py [--times 50] [--timeout 240]

Each start runs `make dev` in its own process group and waits for "dream-api is running" and for
every worker's /health and the dashboard to answer; then Ctrl-C (SIGINT), as a user stops it, and
waits until every port is free again before the next start. A start that exits, times out, or
leaves a port taken is a failure; its output goes to artifacts/dev-starts/<n>.log.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import devstack

READY = "dream-api is running"
LOG_DIR = devstack.ROOT / "artifacts" / "dev-starts"
PORTS = (
    *devstack.WORKER_PORTS.values(),
    devstack.METER_PORT,
    devstack.IDENTITY_PORT,
    devstack.STRIPE_PORT,
    devstack.CUSTOMER_IDENTITY_PORT,
    devstack.GITHUB_PORT,
    devstack.ORIGIN_PORT,
    devstack.LLM_PORT,
    devstack.WEBHOOK_RECEIVER_PORT,
    devstack.DASHBOARD_PORT,
)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as reply:
            return 200 <= reply.status < 300
    except OSError:
        return False


def port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.5)
    return False


def one_start(number: int, timeout: float) -> tuple[bool, float, str]:
    log_path = LOG_DIR / f"{number}.log"
    started = time.monotonic()
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            ["make", "dev"], cwd=devstack.ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    health = [
        f"http://127.0.0.1:{port}/health" for port in (*devstack.WORKER_PORTS.values(), devstack.METER_PORT)
    ]
    health.append(f"http://localhost:{devstack.DASHBOARD_PORT}/")
    try:
        up = wait_for(
            lambda: (
                process.poll() is None
                and READY in log_path.read_text(errors="replace")
                and all(answers(url) for url in health)
            ),
            timeout,
        )
        seconds = time.monotonic() - started
        why = "up" if up else ("exited" if process.poll() is not None else f"not up within {timeout:.0f}s")
    finally:
        stop(process)
    if not wait_for(lambda: not any(port_taken(port) for port in PORTS), 30):
        taken = [port for port in PORTS if port_taken(port)]
        return False, seconds, f"{why}, but ports still taken after stopping: {taken}"
    return up, seconds, why


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a user stops it; killed if it has not exited within a minute."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--times", type=int, default=50)
    parser.add_argument("--timeout", type=float, default=240)
    args = parser.parse_args(argv)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    busy = [port for port in PORTS if port_taken(port)]
    if busy:
        print(f"ports already taken (is `make dev` running?): {busy}", file=sys.stderr)
        return 2
    failures = 0
    durations = []
    for number in range(1, args.times + 1):
        ok, seconds, why = one_start(number, args.timeout)
        durations.append(seconds)
        failures += not ok
        print(f"start {number}/{args.times}: {why} after {seconds:.1f}s", flush=True)
    durations.sort()
    print(
        f"{args.times - failures} of {args.times} starts came up; {failures} failed; time to up: "
        f"median {durations[len(durations) // 2]:.1f}s, max {durations[-1]:.1f}s (logs in {LOG_DIR})"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
