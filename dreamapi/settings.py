"""Configuration common to every worker, read from the worker's vars and secrets."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlsplit

from dreamapi.upstream_policy import UpstreamPolicy

DEFAULT_MAX_BODY_BYTES = 64 * 1024
DEFAULT_CACHE_SECONDS = 30.0
DEFAULT_GATEWAY_PUBLIC_URL = "http://127.0.0.1:8795"  # make dev's gateway
DEFAULT_METER_TIMEOUT_SECONDS = 5.0
DEFAULT_USAGE_SNAPSHOT_SECONDS = 30
DEFAULT_OVERAGE_REPORT_SECONDS = 60  # at most one overage report (meter event) per user this often
MIN_KV_CACHE_TTL = 30  # Workers KV refuses a shorter cacheTtl
# After a failed webhook delivery: about 5 s, 1 min, 10 min, 1 h, 6 h, 24 h, then it failed.
DEFAULT_WEBHOOK_RETRY_SECONDS = (5, 60, 600, 3600, 6 * 3600, 24 * 3600)
DEFAULT_GATEWAY_TIMEOUT_SECONDS = 30.0  # the gateway waits this long for an origin's answer to begin

T = TypeVar("T", int, float)


def origin_of(url: str) -> str | None:
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def _number(
    env: Mapping[str, str], name: str, default: T, parse: Callable[[str], T], *, positive: bool = False
) -> T:
    raw = env.get(name)
    if raw is None or str(raw).strip() == "":
        return default
    try:
        value = parse(str(raw).strip())
    except ValueError as error:
        raise ValueError(f"configuration variable {name} must be a number") from error
    if positive and value <= 0:
        raise ValueError(f"configuration variable {name} must be positive")
    return value


@dataclass(frozen=True)
class Settings:
    environment: str
    frontend_url: str
    allowed_origins: frozenset[str]
    max_body_bytes: int
    clock_offset_seconds: float
    cache_seconds: float
    expose_kv_ops: bool
    meter_timeout_seconds: float
    usage_snapshot_seconds: int
    webhook_retry_seconds: tuple[int, ...] = DEFAULT_WEBHOOK_RETRY_SECONDS
    api_key_kv_cache_seconds: int | None = None  # None: KV's own default (60 s; none locally)
    overage_report_seconds: int = DEFAULT_OVERAGE_REPORT_SECONDS
    gateway_timeout_seconds: float = DEFAULT_GATEWAY_TIMEOUT_SECONDS
    gateway_allow_local_upstreams: bool = False  # local development only
    gateway_own_domains: frozenset[str] = frozenset()
    gateway_public_url: str = DEFAULT_GATEWAY_PUBLIC_URL

    def portal_url(self, platform_id: str) -> str:
        """The platform's public page for its end users (plans, credits, their keys)."""
        return f"{self.frontend_url}/p/{platform_id}"

    @property
    def upstream_policy(self) -> UpstreamPolicy:
        return UpstreamPolicy(self.gateway_allow_local_upstreams, self.gateway_own_domains)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        frontend_url = str(env.get("FRONTEND_URL") or "http://localhost:5173").rstrip("/")
        origins = {origin_of(frontend_url)}
        origins.update(origin_of(item) for item in str(env.get("ALLOWED_ORIGINS") or "").split(","))
        return cls(
            environment=str(env.get("ENVIRONMENT") or "development"),
            frontend_url=frontend_url,
            allowed_origins=frozenset(o for o in origins if o),
            max_body_bytes=_number(env, "MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES, int),
            clock_offset_seconds=_number(env, "CLOCK_OFFSET_SECONDS", 0.0, float),
            cache_seconds=_number(env, "ISOLATE_CACHE_SECONDS", DEFAULT_CACHE_SECONDS, float),
            expose_kv_ops=_flag(env, "EXPOSE_KV_OPS"),
            meter_timeout_seconds=_number(
                env, "METER_TIMEOUT_SECONDS", DEFAULT_METER_TIMEOUT_SECONDS, float, positive=True
            ),
            usage_snapshot_seconds=_number(
                env, "USAGE_SNAPSHOT_SECONDS", DEFAULT_USAGE_SNAPSHOT_SECONDS, int, positive=True
            ),
            webhook_retry_seconds=_retry_schedule(env),
            api_key_kv_cache_seconds=_kv_cache_ttl(env),
            overage_report_seconds=_number(
                env, "OVERAGE_REPORT_SECONDS", DEFAULT_OVERAGE_REPORT_SECONDS, int, positive=True
            ),
            gateway_timeout_seconds=_number(
                env, "GATEWAY_TIMEOUT_SECONDS", DEFAULT_GATEWAY_TIMEOUT_SECONDS, float, positive=True
            ),
            gateway_allow_local_upstreams=_flag(env, "GATEWAY_ALLOW_LOCAL_UPSTREAMS"),
            gateway_own_domains=frozenset(
                d.strip().lower() for d in str(env.get("GATEWAY_OWN_DOMAINS") or "").split(",") if d.strip()
            ),
            gateway_public_url=str(env.get("GATEWAY_PUBLIC_URL") or DEFAULT_GATEWAY_PUBLIC_URL).rstrip("/"),
        )


def _flag(env: Mapping[str, str], name: str) -> bool:
    return str(env.get(name) or "").strip().lower() in ("1", "true", "yes")


def _kv_cache_ttl(env: Mapping[str, str]) -> int | None:
    """API_KEY_KV_CACHE_SECONDS: Workers KV's `cacheTtl` for API key reads (30 at least)."""
    if not str(env.get("API_KEY_KV_CACHE_SECONDS") or "").strip():
        return None
    seconds = _number(env, "API_KEY_KV_CACHE_SECONDS", 0, int)
    if seconds < MIN_KV_CACHE_TTL:
        raise ValueError(
            f"configuration variable API_KEY_KV_CACHE_SECONDS must be at least {MIN_KV_CACHE_TTL}"
        )
    return seconds


def _retry_schedule(env: Mapping[str, str]) -> tuple[int, ...]:
    """WEBHOOK_RETRY_SECONDS: the waits between a failed delivery's attempts, e.g. "5,60,600"."""
    raw = str(env.get("WEBHOOK_RETRY_SECONDS") or "")
    if not raw:
        return DEFAULT_WEBHOOK_RETRY_SECONDS
    try:
        schedule = tuple(int(part) for part in raw.split(","))
    except ValueError:
        raise ValueError(
            "configuration variable WEBHOOK_RETRY_SECONDS must be integers, comma separated"
        ) from None
    if not schedule or any(wait <= 0 for wait in schedule):
        raise ValueError("configuration variable WEBHOOK_RETRY_SECONDS must be positive")
    return schedule
