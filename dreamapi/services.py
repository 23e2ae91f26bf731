"""What a route handler gets besides the request: configuration and the runtime's ports."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from dreamapi.api_keys import ApiKeys, KeyHolder
from dreamapi.credit_ledger import Credits
from dreamapi.errors import ApiError
from dreamapi.isolate_cache import ISOLATE_CACHE, IsolateCache
from dreamapi.metering import UsageMeter
from dreamapi.ports.clock import Clock
from dreamapi.ports.kv import CountingKV, KVNamespace, KVOperationCount
from dreamapi.ports.meter import CountingMeter, MeterOperationCount, MeterPort
from dreamapi.ports.outbound import HttpClient
from dreamapi.ports.secret_box import SecretBox
from dreamapi.ports.signatures import RS256Verifier
from dreamapi.ports.upstream import Upstream
from dreamapi.settings import Settings
from dreamapi.webhook_outbox import WebhookOutbox

KV_BINDINGS = ("TOKENS_KV", "USAGE_KV")
T = TypeVar("T")


@dataclass
class Services:
    env: Mapping[str, str]
    settings: Settings
    clock: Clock
    http: HttpClient
    rs256: RS256Verifier
    kv_bindings: Mapping[str, KVNamespace]
    meter_port: MeterPort | None = None  # the USAGE_METER binding
    outbox_port: MeterPort | None = None  # the WEBHOOK_OUTBOX binding (same transport)
    keys_port: MeterPort | None = None  # the API_KEYS binding (same transport)
    secret_box: SecretBox | None = None  # secrets at rest (GATEWAY_ENCRYPTION_KEY)
    upstream_port: Upstream | None = None  # forwarding to developers' origins (the gateway)
    request_id: str = ""
    cache: IsolateCache = field(default_factory=lambda: ISOLATE_CACHE)
    kv_ops: KVOperationCount = field(default_factory=KVOperationCount)
    meter_ops: MeterOperationCount = field(default_factory=MeterOperationCount)
    memo: dict[str, Any] = field(default_factory=dict)  # per isolate in workers: see configuration()
    deferred: list[Coroutine[Any, Any, None]] = field(default_factory=list)

    def defer(self, work: Coroutine[Any, Any, None]) -> None:
        """Runs `work` after the response is sent (the runtime's waitUntil), off the hot path;
        its failures are logged, never answered."""
        self.deferred.append(work)

    def kv(self, binding: str) -> KVNamespace:
        namespace = self.kv_bindings.get(binding)
        if namespace is None:
            raise ApiError(503, "misconfigured", f"KV namespace {binding} is not bound to this worker")
        return CountingKV(namespace, self.kv_ops)

    def configuration(self, name: str, build: Callable[[], T]) -> T:
        """Something derived from the env alone (a Clerk config, say), built once: an isolate's env
        does not change while it lives."""
        if name not in self.memo:
            self.memo[name] = build()
        return self.memo[name]  # type: ignore[no-any-return]

    async def cached(self, key: str, load: Callable[[], Awaitable[T]]) -> T:
        """`load()`, kept in the isolate for ISOLATE_CACHE_SECONDS (see dreamapi.isolate_cache)."""
        return await self.cache.get_or_load(key, self.settings.cache_seconds, load)

    @property
    def meter(self) -> UsageMeter:
        if self.meter_port is None:
            raise ApiError(503, "misconfigured", "The usage meter (USAGE_METER) is not bound to this worker")
        return UsageMeter(
            CountingMeter(self.meter_port, self.meter_ops),
            timeout_seconds=self.settings.meter_timeout_seconds,
            flush_seconds=self.settings.usage_snapshot_seconds,
        )

    def webhooks(self, platform_id: str) -> WebhookOutbox:
        """The platform's webhook outbox: its endpoints, events owed and deliveries."""
        if self.outbox_port is None:
            raise ApiError(503, "misconfigured", "WEBHOOK_OUTBOX is not bound to this worker")
        return WebhookOutbox(self.outbox_port, platform_id, self.settings.webhook_retry_seconds)

    def api_keys(self, platform_id: str) -> ApiKeys:
        """The platform's API keys: their records, revocation, rolling and last use."""
        return self.keys_of(KeyHolder(platform_id))

    def user_keys(self, platform_id: str, user_id: str) -> ApiKeys:
        """One end user's own keys (dream_user_…)."""
        return self.keys_of(KeyHolder(platform_id, user_id))

    def keys_of(self, holder: KeyHolder) -> ApiKeys:
        if self.keys_port is None:
            raise ApiError(503, "misconfigured", "API_KEYS is not bound to this worker")
        return ApiKeys(self.keys_port, self.tokens_kv, holder, self.clock)

    @property
    def upstream(self) -> Upstream:
        if self.upstream_port is None:
            raise ApiError(503, "misconfigured", "This worker cannot forward to origins")
        return self.upstream_port

    @property
    def secrets_at_rest(self) -> SecretBox:
        if self.secret_box is None:
            raise ApiError(503, "misconfigured", "No secret box on this worker (GATEWAY_ENCRYPTION_KEY)")
        return self.secret_box

    @property
    def credits(self) -> Credits:
        return Credits(self.meter)

    @property
    def tokens_kv(self) -> KVNamespace:
        return self.kv("TOKENS_KV")

    @property
    def usage_kv(self) -> KVNamespace:
        return self.kv("USAGE_KV")
