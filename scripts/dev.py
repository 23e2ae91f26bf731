#!/usr/bin/env python3
"""Runs the whole platform locally, offline: `make dev`. Ctrl-C stops everything.

  api_multi       http://127.0.0.1:8787    front_auth_api  http://127.0.0.1:8788
  oauth_api       http://127.0.0.1:8789    identity        http://127.0.0.1:8790 (Clerk stand-in)
  stripe          http://127.0.0.1:8791 (Stripe stand-in: API, checkout and portal pages, webhooks)
  customer idp    http://127.0.0.1:8792 (the end users' Clerk app stand-in, for api_multi JWTs)
  github          http://127.0.0.1:8793 (GitHub OAuth stand-in)
  usage_meter     http://127.0.0.1:8794 (the Durable Object that counts; reached through the dev registry)
  gateway         http://127.0.0.1:8795    (/{platformId}/{path} → the platform's origin)
  origin          http://127.0.0.1:8798 (a developer's API stand-in, to put behind the gateway)
  llm             http://127.0.0.1:8799 (an OpenAI/Anthropic-compatible provider stand-in)
  dashboard       http://localhost:5173

All workers share the local state in .wrangler/state (KV, as they share namespaces in
production, and the meter's Durable Objects). Logs go to .wrangler/logs/<name>.log.
"""

from __future__ import annotations

import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts import devstack
from scripts.standins.cron import CronStandin

STATE_DIR = devstack.ROOT / ".wrangler" / "state"
LOG_DIR = devstack.ROOT / ".wrangler" / "logs"
REGISTRY_DIR = devstack.ROOT / ".wrangler" / "registry"


def _raise_keyboard_interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def main() -> int:
    processes: list[devstack.Process] = []

    def stop_all(*_: object) -> None:
        # A second Ctrl-C (or make passing its SIGTERM on) must not cut the cleanup short and
        # leave workerd processes behind.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for process in reversed(processes):
            process.stop()

    # Explicit handlers: a parent that started us in the background may have set SIGINT to
    # "ignore", which Python would otherwise inherit.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        identity = devstack.start_python_module(
            "identity", "scripts.standins.identity", devstack.IDENTITY_PORT, LOG_DIR
        )
        processes.append(identity)
        devstack.wait_until_up(identity, "/.well-known/jwks.json", timeout=30)
        customer_identity = devstack.start_python_module(
            "customer_identity", "scripts.standins.identity", devstack.CUSTOMER_IDENTITY_PORT, LOG_DIR
        )
        processes.append(customer_identity)
        devstack.wait_until_up(customer_identity, "/.well-known/jwks.json", timeout=30)
        github = devstack.start_python_module(
            "github", "scripts.standins.github", devstack.GITHUB_PORT, LOG_DIR
        )
        processes.append(github)
        stripe = devstack.start_stripe_standin(devstack.STRIPE_PORT, LOG_DIR)
        processes.append(stripe)
        devstack.wait_until_up(stripe, "/_standin/events", timeout=30)
        devstack.build_all_workers()
        meter = devstack.start_worker(
            devstack.METER, devstack.METER_PORT, STATE_DIR, LOG_DIR, registry=REGISTRY_DIR
        )
        processes.append(meter)
        webhooks = devstack.start_python_module(
            "webhooks", "scripts.standins.webhook_receiver", devstack.WEBHOOK_RECEIVER_PORT, LOG_DIR
        )
        processes.append(webhooks)
        for name, module, port in (
            ("origin", "scripts.standins.origin", devstack.ORIGIN_PORT),
            ("llm", "scripts.standins.llm", devstack.LLM_PORT),
        ):
            processes.append(devstack.start_python_module(name, module, port, LOG_DIR))
        workers = [
            devstack.start_worker(
                name,
                devstack.WORKER_PORTS[name],
                STATE_DIR,
                LOG_DIR,
                devstack.local_worker_vars(
                    name,
                    identity.url,
                    customer_identity.url,
                    stripe.url,
                    github.url,
                    f"http://127.0.0.1:{devstack.WORKER_PORTS[name]}",
                ),
                registry=REGISTRY_DIR,
            )
            for name in devstack.WORKERS
        ]
        processes.extend(workers)
        dashboard = devstack.start_dashboard(
            devstack.DASHBOARD_PORT,
            LOG_DIR,
            devstack.dashboard_env({w.name: w.url for w in workers}, identity.url, customer_identity.url),
        )
        processes.append(dashboard)
        with ThreadPoolExecutor(len(workers) + 1) as pool:
            everything = [meter, *workers]
            for worker, seconds in zip(everything, pool.map(devstack.wait_until_up, everything), strict=True):
                print(f"  {worker.name:<15} {worker.url:<24} ready after {seconds:.1f}s", flush=True)
        # the meter's cron wakes webhook outboxes after a restart; api_multi's reports overage
        cron = CronStandin(meter.url, next(w.url for w in workers if w.name == "api_multi"))
        cron.start()
        devstack.wait_until_up(dashboard, "/", timeout=30)
        print(f"  {'identity':<15} {identity.url}")
        print(f"  {'stripe':<15} {stripe.url}")
        print(f"  {'customer idp':<15} {customer_identity.url}")
        print(f"  {'github':<15} {github.url}")
        print(f"  {'webhooks':<15} {webhooks.url}/hooks/<name> (see what arrived: GET /_receiver/<name>)")
        print(
            f"  {'origin':<15} http://127.0.0.1:{devstack.ORIGIN_PORT} (what arrived: GET /_origin/requests)"
        )
        print(f"  {'llm':<15} http://127.0.0.1:{devstack.LLM_PORT} (what arrived: GET /_llm/requests)")
        print(f"  {'dashboard':<15} http://localhost:{devstack.DASHBOARD_PORT}")
        print(f"dream-api is running (KV state in {STATE_DIR}, logs in {LOG_DIR}). Ctrl-C stops.", flush=True)
        while all(process.popen.poll() is None for process in processes):
            time.sleep(0.5)
        crashed = [p for p in processes if p.popen.poll() is not None]
        for process in crashed:
            print(f"{process.name} exited; last log lines:\n{process.log_tail()}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nstopping…", flush=True)
        return 0
    except RuntimeError as error:
        print(error, file=sys.stderr)
        return 1
    finally:
        stop_all()


if __name__ == "__main__":
    sys.exit(main())
