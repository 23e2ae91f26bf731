"""Who is metered: each subject has its own counting object, named here and nowhere else."""

from __future__ import annotations

from dreamapi import kvkeys
from dreamapi.metering import MeterSubject


def end_user(platform_id: str, user_id: str) -> MeterSubject:
    """An end user of a developer's platform (api_multi). Their KV record, once written by the
    KV meter, is imported on first contact and then holds the dashboard snapshot."""
    record = kvkeys.end_user_usage(platform_id, user_id)
    return MeterSubject(
        f"end-user:{platform_id}:{user_id}",
        legacy_key=record,
        snapshot_key=record,
        period_snapshot_key=kvkeys.end_user_period_usage(platform_id, user_id),
    )


def developer(user_id: str) -> MeterSubject:
    """A developer's own dream-api plan (front_auth_api)."""
    return MeterSubject(f"developer:{user_id}", legacy_key=kvkeys.developer_usage(user_id))
