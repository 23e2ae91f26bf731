"""One-time tickets and OAuth `state`, the two tokens a browser carries through the redirects.

A ticket (60 s, single use) lets the dashboard start a flow by plain navigation: it is fetched
with the developer's JWT and exchanged at `/…/connect`. The `state` (random, 10 min, single
use) is bound to the developer and platform in KV, and to the browser through an HttpOnly
cookie whose hash the state record keeps: someone else's state, replayed from another
browser, is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

from dreamapi.errors import unauthorized
from dreamapi.http import Request
from dreamapi.ports.kv import KVNamespace

TICKET_TTL_SECONDS = 60  # the shortest TTL Workers KV allows
STATE_TTL_SECONDS = 600


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass(frozen=True)
class FlowOwner:
    user_id: str
    platform_id: str | None


async def issue_ticket(kv: KVNamespace, owner: FlowOwner) -> str:
    ticket = secrets.token_urlsafe(32)
    record = {"userId": owner.user_id, "platformId": owner.platform_id}
    await kv.put(f"oauth-ticket:{_digest(ticket)}", json.dumps(record), expiration_ttl=TICKET_TTL_SECONDS)
    return ticket


async def redeem_ticket(kv: KVNamespace, ticket: str | None) -> FlowOwner:
    if not ticket or len(ticket) > 128:
        raise unauthorized("Missing or malformed ticket; get one from POST /connect/ticket", "invalid_ticket")
    key = f"oauth-ticket:{_digest(ticket)}"
    raw = await kv.get(key)
    if raw is None:
        raise unauthorized("Unknown, used or expired ticket; get a new one", "invalid_ticket")
    await kv.delete(key)
    record = json.loads(raw)
    return FlowOwner(record["userId"], record.get("platformId"))


@dataclass(frozen=True)
class StartedFlow:
    state: str
    cookie_name: str
    cookie_value: str


def cookie_name(provider: str) -> str:
    return f"dreamapi_oauth_{provider}"


async def start_flow(kv: KVNamespace, provider: str, owner: FlowOwner, now: float) -> StartedFlow:
    state = secrets.token_urlsafe(32)
    browser_nonce = secrets.token_urlsafe(32)
    record = {
        "provider": provider,
        "userId": owner.user_id,
        "platformId": owner.platform_id,
        "browser": _digest(browser_nonce),
        "createdAt": int(now),
    }
    await kv.put(f"oauth-state:{_digest(state)}", json.dumps(record), expiration_ttl=STATE_TTL_SECONDS)
    return StartedFlow(state, cookie_name(provider), browser_nonce)


def _cookie(request: Request, name: str) -> str | None:
    for header in request.headers.get_all("cookie"):
        for part in header.split(";"):
            key, _, value = part.strip().partition("=")
            if key == name:
                return value
    return None


async def finish_flow(kv: KVNamespace, provider: str, request: Request, now: float) -> FlowOwner | None:
    """The flow's owner, or None when the state is unknown, expired, reused, for another
    provider, or presented by a browser that did not start the flow. The state is spent
    either way."""
    state = request.query_param("state")
    if not state or len(state) > 128:
        return None
    key = f"oauth-state:{_digest(state)}"
    raw = await kv.get(key)
    if raw is None:
        return None
    await kv.delete(key)
    record = json.loads(raw)
    if now - float(record.get("createdAt", 0)) > STATE_TTL_SECONDS:
        return None  # KV's TTL is the backstop; this check is exact
    nonce = _cookie(request, cookie_name(provider)) or ""
    if record.get("provider") != provider or not hmac.compare_digest(
        record.get("browser", ""), _digest(nonce)
    ):
        return None
    return FlowOwner(record["userId"], record.get("platformId"))


def set_cookie_header(flow: StartedFlow, provider_path: str, secure: bool) -> str:
    attributes = f"Path={provider_path}; Max-Age={STATE_TTL_SECONDS}; HttpOnly; SameSite=Lax"
    return f"{flow.cookie_name}={flow.cookie_value}; {attributes}{'; Secure' if secure else ''}"


def clear_cookie_header(provider: str, provider_path: str) -> str:
    return f"{cookie_name(provider)}=; Path={provider_path}; Max-Age=0; HttpOnly; SameSite=Lax"
