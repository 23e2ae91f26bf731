"""A key's lastUsedAt, reported off the hot path: each isolate reports a key at most once per
LAST_USED_PRECISION_SECONDS (after the response, see Services.defer), and the platform's ApiKeys
object writes at most one of the reports it gets per key per interval, so the time shown is
never more than a minute behind the key's last use."""

from __future__ import annotations

from dreamapi.api_keys import LAST_USED_PRECISION_SECONDS, KeyHolder
from dreamapi.key_grants import KeyGrant
from dreamapi.services import Services

MAX_TRACKED_KEYS = 10_000


def report_key_use(services: Services, grant: KeyGrant, now: float) -> None:
    if services.keys_port is None:
        return
    reported: dict[str, float] = services.memo.setdefault("key_uses_reported", {})
    last = reported.get(grant.key_id)
    if last is not None and now - last < LAST_USED_PRECISION_SECONDS:
        return
    if len(reported) >= MAX_TRACKED_KEYS:
        reported.clear()
    reported[grant.key_id] = now
    keys = services.keys_of(KeyHolder(grant.platform_id, grant.user_id))
    services.defer(keys.record_use(grant.key_id, now))
