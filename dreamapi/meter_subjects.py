"""Who is metered: each subject has its own counting object, named here and nowhere else."""

from __future__ import annotations

from dreamapi import kvkeys
from dreamapi.meter_terms import MeterSubject


def end_user(platform_id: str, user_id: str) -> MeterSubject:
    """An end user of a developer's platform (api_multi, the gateway); their object keeps KV
    snapshots of their usage for the dashboards."""
    return MeterSubject(
        f"end-user:{platform_id}:{user_id}",
        snapshot_key=kvkeys.end_user_usage(platform_id, user_id),
        period_snapshot_key=kvkeys.end_user_period_usage(platform_id, user_id),
    )


def developer(user_id: str) -> MeterSubject:
    """A developer's own dream-api plan (front_auth_api)."""
    return MeterSubject(f"developer:{user_id}")
