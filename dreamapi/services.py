"""What a route handler gets besides the request: configuration and the runtime's ports."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from dreamapi.errors import ApiError
from dreamapi.ports.clock import Clock
from dreamapi.ports.kv import KVNamespace
from dreamapi.ports.outbound import HttpClient
from dreamapi.ports.signatures import RS256Verifier
from dreamapi.settings import Settings

KV_BINDINGS = ("TOKENS_KV", "USAGE_KV")


@dataclass
class Services:
    env: Mapping[str, str]
    settings: Settings
    clock: Clock
    http: HttpClient
    rs256: RS256Verifier
    kv_bindings: Mapping[str, KVNamespace]
    request_id: str = ""

    def kv(self, binding: str) -> KVNamespace:
        namespace = self.kv_bindings.get(binding)
        if namespace is None:
            raise ApiError(503, "misconfigured", f"KV namespace {binding} is not bound to this worker")
        return namespace

    @property
    def tokens_kv(self) -> KVNamespace:
        return self.kv("TOKENS_KV")

    @property
    def usage_kv(self) -> KVNamespace:
        return self.kv("USAGE_KV")
