"""Cloudflare's cron triggers, locally: `wrangler dev --test-scheduled` runs a worker's
`scheduled` handler when `/__scheduled` is requested, and nothing runs it on a schedule. This
calls it every few seconds (production: every minute, `[triggers]` in the worker's wrangler.toml).
"""

from __future__ import annotations

import threading
import urllib.request

DEFAULT_INTERVAL_SECONDS = 5.0


class CronStandin:
    def __init__(self, worker_url: str, interval_seconds: float = DEFAULT_INTERVAL_SECONDS) -> None:
        self.worker_url = worker_url
        self.interval_seconds = interval_seconds
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cron stand-in", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def tick(self) -> None:
        try:
            with urllib.request.urlopen(f"{self.worker_url}/__scheduled?cron=*+*+*+*+*", timeout=30):
                pass
        except Exception as error:  # noqa: BLE001 - a worker restarting must not stop the clock
            print(f"cron stand-in: {self.worker_url} did not run its schedule ({error!r}); next tick")

    def _run(self) -> None:
        while not self._stopped.wait(self.interval_seconds):
            self.tick()
