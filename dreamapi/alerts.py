"""A platform's alerts: the usage thresholds (percent of a tier's monthly included units) and
the credit balance whose crossing its webhook endpoints hear about.

The meter objects detect crossings in the step that counts a call (usage_meter/); this module
turns the settings into the marks they compare against (`meter_notify`).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

from dreamapi import kvkeys, webhook_events
from dreamapi.errors import bad_request
from dreamapi.ports.kv import KVNamespace

DEFAULT_USAGE_THRESHOLDS = (80, 100)
MAX_THRESHOLDS = 10
MAX_THRESHOLD_PERCENT = 1000
MAX_CREDITS_BELOW = 1_000_000_000


@dataclass(frozen=True)
class AlertSettings:
    usage_thresholds: tuple[int, ...] = DEFAULT_USAGE_THRESHOLDS
    credits_below: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {"usageThresholds": list(self.usage_thresholds), "creditsBelow": self.credits_below}


def parse_alert_settings(body: dict[str, Any]) -> AlertSettings:
    thresholds = body.get("usageThresholds", list(DEFAULT_USAGE_THRESHOLDS))
    if (
        not isinstance(thresholds, list)
        or len(thresholds) > MAX_THRESHOLDS
        or not all(_integer_in(t, 1, MAX_THRESHOLD_PERCENT) for t in thresholds)
    ):
        raise bad_request(
            f"'usageThresholds' must be a list of at most {MAX_THRESHOLDS} integers from 1 to "
            f"{MAX_THRESHOLD_PERCENT} (percent of the tier's monthly units)",
            "invalid_alerts",
        )
    credits_below = body.get("creditsBelow")
    if credits_below is not None and not _integer_in(credits_below, 1, MAX_CREDITS_BELOW):
        message = f"'creditsBelow' must be an integer from 1 to {MAX_CREDITS_BELOW}"
        raise bad_request(message, "invalid_alerts")
    unknown = sorted(set(body) - {"usageThresholds", "creditsBelow"})
    if unknown:
        raise bad_request(f"Unknown field(s): {', '.join(unknown)}", "invalid_alerts")
    return AlertSettings(tuple(sorted(set(thresholds))), credits_below)


def _integer_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


async def load_alert_settings(tokens_kv: KVNamespace, platform_id: str) -> AlertSettings:
    raw = await tokens_kv.get(kvkeys.alert_settings(platform_id))
    if raw is None:
        return AlertSettings()
    stored = json.loads(raw)
    return AlertSettings(tuple(stored["usageThresholds"]), stored.get("creditsBelow"))


async def store_alert_settings(tokens_kv: KVNamespace, platform_id: str, settings: AlertSettings) -> None:
    await tokens_kv.put(kvkeys.alert_settings(platform_id), json.dumps(settings.to_json()))


def meter_notify(
    settings: AlertSettings, *, platform_id: str, user_id: str, tier: str, limit: int, period: str
) -> dict[str, Any]:
    """The marks a metered call's object compares its counters against (see usage_meter/)."""
    usage = {"platformId": platform_id, "userId": user_id, "tier": tier, "limit": limit, "period": period}
    return {
        **credits_notify(settings, platform_id=platform_id, user_id=user_id),
        "usage": [
            {
                "at": max(math.ceil(limit * percent / 100), 1),
                "type": webhook_events.USAGE_THRESHOLD_CROSSED,
                "data": {**usage, "threshold": percent},
            }
            for percent in settings.usage_thresholds
        ],
        "refused": {"type": webhook_events.USAGE_LIMIT_REACHED, "data": usage},
    }


def credits_notify(settings: AlertSettings, *, platform_id: str, user_id: str) -> dict[str, Any]:
    """The low-balance mark, for any change of an end user's credits."""
    notify: dict[str, Any] = {"outbox": platform_id}
    if settings.credits_below is not None:
        below = settings.credits_below
        data = {"platformId": platform_id, "userId": user_id, "creditsBelow": below}
        notify["credits"] = [{"below": below, "type": webhook_events.CREDITS_LOW, "data": data}]
    return notify
