"""The local platform as runtime tests see it: real workers in workerd, KV, the stand-ins."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from scripts.devstack import Process
from scripts.standins.github import GithubStandin
from scripts.standins.identity import IdentityProvider
from scripts.standins.stripe import StripeStandin

DASHBOARD_ORIGIN = "http://localhost:5173"


class LocalKV:
    """The workers' local KV, read and written through the KV bridge (miniflare, same state)."""

    def __init__(self, base_url: str) -> None:
        self.client = httpx.Client(base_url=base_url, timeout=30)

    def _path(self, binding: str, key: str = "") -> str:
        return f"/kv/{binding}/{urllib.parse.quote(key, safe='')}"

    def get(self, binding: str, key: str) -> str | None:
        reply = self.client.get(self._path(binding, key))
        return None if reply.status_code == 404 else reply.raise_for_status().text

    def put(self, binding: str, key: str, value: str, ttl: int | None = None) -> None:
        params = {"ttl": str(ttl)} if ttl else {}
        self.client.put(self._path(binding, key), content=value.encode(), params=params).raise_for_status()

    def delete(self, binding: str, key: str) -> None:
        self.client.delete(self._path(binding, key)).raise_for_status()

    def keys(self, binding: str, prefix: str = "") -> list[str]:
        reply = self.client.get(f"/kv/{binding}", params={"prefix": prefix}).raise_for_status()
        return list(reply.json()["keys"])


@dataclass
class Platform:
    workers: dict[str, Process]
    kv: LocalKV
    identity: IdentityProvider
    customer_identity: IdentityProvider
    stripe: StripeStandin
    github: GithubStandin
    persist_dir: Path
    variables: dict[str, dict[str, str]]
    cold_start_seconds: dict[str, float] = field(default_factory=dict)

    def client(self, worker: str) -> httpx.Client:
        return httpx.Client(base_url=self.workers[worker].url, timeout=60)

    def developer_token(self, user_id: str, **claims: Any) -> str:
        return self.identity.issue(user_id, **claims)
