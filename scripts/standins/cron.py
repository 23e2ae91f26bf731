"""Cloudflare's cron triggers, locally, every few seconds (production: every minute, `[triggers]`
in the worker's wrangler.toml).

usage_meter (JavaScript): `wrangler dev --test-scheduled` runs its `scheduled` handler when
`/__scheduled` is requested. api_multi (Python): the pinned runtime delivers no ScheduledEvent to
a Python worker ("we lack a handler for ScheduledEvents"), so its scheduled job is started
through `POST /internal/scheduled` with the local CRON_SECRET: the same job its `scheduled`
handler runs in production.
"""

from __future__ import annotations

import threading
import urllib.request

DEFAULT_INTERVAL_SECONDS = 5.0
LOCAL_CRON_SECRET = "cron_dreamapi_local_only"  # noqa: S105 - set on the local api_multi only


class CronStandin:
    def __init__(
        self, meter_url: str, api_multi_url: str | None, interval_seconds: float = DEFAULT_INTERVAL_SECONDS
    ) -> None:
        self.meter_url = meter_url  # it changes when the meter restarts
        self.api_multi_url = api_multi_url
        self.interval_seconds = interval_seconds
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="cron stand-in", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()

    def tick(self) -> None:
        runs = [urllib.request.Request(f"{self.meter_url}/__scheduled?cron=*+*+*+*+*")]
        if self.api_multi_url:
            headers = {"authorization": f"Bearer {LOCAL_CRON_SECRET}"}
            runs.append(urllib.request.Request(f"{self.api_multi_url}/internal/scheduled", b"", headers))
        for run in runs:
            try:
                with urllib.request.urlopen(run, timeout=60):
                    pass
            except Exception as error:  # noqa: BLE001 - a worker restarting must not stop the clock
                print(f"cron stand-in: {run.full_url} did not run ({error!r}); next tick")

    def _run(self) -> None:
        while not self._stopped.wait(self.interval_seconds):
            self.tick()
