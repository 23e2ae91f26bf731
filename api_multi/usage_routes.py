"""Metered end-user calls: monthly tier limit + per-minute rate, per platform and user."""

from __future__ import annotations

import hashlib
import json
import re

from api_multi import lookups
from api_multi.end_user_auth import JWT, EndUser, authenticate_end_user
from api_multi.subscriptions import resolve_tier
from dreamapi import kvkeys
from dreamapi.errors import bad_request
from dreamapi.http import Request, Response, json_response
from dreamapi.metering import KVUsageMeter
from dreamapi.services import Services
from dreamapi.tiers import Tier

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")


async def _tier_for(user: EndUser, services: Services) -> Tier:
    config = await lookups.tier_config(services, user.platform_id)
    subscription = await lookups.subscription(services, user.platform_id, user.user_id)
    return resolve_tier(config, user.requested_plan, subscription, trust_request=user.mode != JWT)


def _idempotency_key(request: Request, user: EndUser) -> str | None:
    raw = request.headers.get("idempotency-key")
    if raw is None:
        return None
    if not _IDEMPOTENCY_KEY.match(raw):
        raise bad_request(
            "Idempotency-Key must be 1-255 printable ASCII characters", "invalid_idempotency_key"
        )
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return kvkeys.idempotent_call(user.platform_id, user.user_id, digest)


async def track_call(request: Request, services: Services) -> Response:
    user = await authenticate_end_user(request, services)
    replay_key = _idempotency_key(request, user)
    if replay_key:
        earlier = await services.usage_kv.get(replay_key)
        if earlier is not None:
            return json_response(json.loads(earlier), headers={"idempotent-replayed": "true"})
    tier = await _tier_for(user, services)
    call = await KVUsageMeter(services.usage_kv).record_call(
        kvkeys.end_user_usage(user.platform_id, user.user_id),
        plan=tier.name,
        limit=tier.limit,
        rate_limit=tier.rate_limit,
        now=services.clock.now(),
    )
    body = {
        "success": True,
        "userId": user.user_id,
        "platformId": user.platform_id,
        "usage": call.usage.to_json(),
    }
    if replay_key:
        await services.usage_kv.put(replay_key, json.dumps(body), expiration_ttl=IDEMPOTENCY_TTL_SECONDS)
    return json_response(body, headers=call.rate.headers())


async def get_usage(request: Request, services: Services) -> Response:
    user = await authenticate_end_user(request, services)
    tier = await _tier_for(user, services)
    usage = await KVUsageMeter(services.usage_kv).peek(
        kvkeys.end_user_usage(user.platform_id, user.user_id),
        plan=tier.name,
        limit=tier.limit,
        now=services.clock.now(),
    )
    return json_response({"userId": user.user_id, "platformId": user.platform_id, "usage": usage.to_json()})
