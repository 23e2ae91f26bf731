"""A platform's gateway configuration at rest (TOKENS_KV `platform:{id}:gateway`): the config
with every upstream header value and the signing secret sealed (dreamapi.ports.secret_box, bound
to the platform and the header), so KV never holds them in plain text. What the developer reads
back has the header values masked; the signing secret is shown once, when made."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from dreamapi import kvkeys
from dreamapi.gateway_config import MASK, GatewayConfig, parse_gateway_config
from dreamapi.ports.kv import KVNamespace
from dreamapi.ports.secret_box import SecretBox
from dreamapi.upstream_policy import UpstreamPolicy

# Stored configs were checked when stored; the gateway checks each upstream again on every call.
_ANY_UPSTREAM = UpstreamPolicy(allow_local=True)


@dataclass(frozen=True)
class Gateway:
    config: GatewayConfig
    signing_secret: str
    updated_at: str


def _context(platform_id: str, where: str) -> str:
    return f"gateway:{platform_id}:{where}"


async def _sealed(box: SecretBox, platform_id: str, where: str, headers: dict[str, str]) -> dict[str, str]:
    return {
        name: await box.seal(value, _context(platform_id, f"{where}:{name}"))
        for name, value in headers.items()
    }


async def _opened(box: SecretBox, platform_id: str, where: str, sealed: dict[str, str]) -> dict[str, str]:
    return {
        name: await box.open(value, _context(platform_id, f"{where}:{name}"))
        for name, value in sealed.items()
    }


async def store_gateway(kv: KVNamespace, box: SecretBox, platform_id: str, gateway: Gateway) -> None:
    config = gateway.config
    routes = []
    for index, route in enumerate(config.routes):
        headers = route.upstream_headers
        sealed = None if headers is None else await _sealed(box, platform_id, f"routes.{index}", headers)
        routes.append(route.to_json(sealed))
    stored = {
        "upstream": config.upstream,
        "upstreamHeaders": await _sealed(box, platform_id, "upstream", config.upstream_headers),
        "routes": routes,
        "signingSecret": await box.seal(gateway.signing_secret, _context(platform_id, "signing-secret")),
        "updatedAt": gateway.updated_at,
    }
    await kv.put(kvkeys.gateway_config(platform_id), json.dumps(stored))


async def load_gateway(kv: KVNamespace, box: SecretBox, platform_id: str) -> Gateway | None:
    raw = await kv.get(kvkeys.gateway_config(platform_id))
    if raw is None:
        return None
    stored = json.loads(raw)
    routes = []
    for index, route in enumerate(stored["routes"]):
        sealed = route.pop("upstreamHeaders", None)
        if sealed is not None:
            route["upstreamHeaders"] = await _opened(box, platform_id, f"routes.{index}", sealed)
        routes.append(route)
    body = {
        "upstream": stored["upstream"],
        "upstreamHeaders": await _opened(box, platform_id, "upstream", stored["upstreamHeaders"]),
        "routes": routes,
    }
    config = parse_gateway_config(body, _ANY_UPSTREAM)
    secret = await box.open(stored["signingSecret"], _context(platform_id, "signing-secret"))
    return Gateway(config, secret, stored["updatedAt"])


async def delete_gateway(kv: KVNamespace, platform_id: str) -> None:
    await kv.delete(kvkeys.gateway_config(platform_id))


def masked(gateway: Gateway) -> dict[str, Any]:
    """The config as the developer reads it back: header names, never their values."""
    config = gateway.config
    mask = {name: MASK for name in config.upstream_headers}
    return {
        "upstream": config.upstream,
        "upstreamHeaders": mask,
        "routes": [
            route.to_json(
                None if route.upstream_headers is None else dict.fromkeys(route.upstream_headers, MASK)
            )
            for route in config.routes
        ],
        "updatedAt": gateway.updated_at,
    }
