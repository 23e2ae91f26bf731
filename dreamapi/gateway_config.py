"""A platform's gateway configuration: where its API lives (the upstream), the secret headers the
gateway adds, and the routes it forwards with what each costs. Every problem of a submitted
config is listed at once; a config with any problem is not stored.

Route units:
  {"fixed": N}                               N units per call
  {"responseHeader": "x-units", "max": M}    the origin says what the call cost in a header
  {"jsonPointer": "/usage/units", "max": M}  … or in its JSON answer (RFC 6901 pointer)
AI routes (`"kind": "openai"` or `"anthropic"`) are priced per 1,000 tokens by model instead
(dreamapi.ai_pricing). `"meterOn": "any"` also meters non-2xx answers (a 5xx never).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from dreamapi.ai_pricing import ModelPrice, parse_models
from dreamapi.upstream_policy import UpstreamPolicy

MAX_ROUTES = 50
MAX_HEADERS = 20
MAX_HEADER_VALUE = 4096
MAX_URL_LENGTH = 2048
MAX_UNITS = 1_000_000
DEFAULT_MAX_OUTPUT_TOKENS = 4096
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
KINDS = ("http", "openai", "anthropic")
# The APIs an AI route may front, by the end of its path (chat completions and embeddings; messages).
AI_PATHS = {"openai": ("/chat/completions", "/embeddings"), "anthropic": ("/messages",)}
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9a-z-]{1,64}$")
_PATH = re.compile(r"^(/([A-Za-z0-9._~!$&'()+,;=:@-]+|\*))+/?$|^/$")
_POINTER = re.compile(r"^(/([^/~]|~[01])*)+$")
# What the API shows in place of a header value (values are write-only): a config read back and
# sent again unchanged would otherwise replace the secrets with it.
MASK = "********"

# Headers the gateway owns: framing, hop-by-hop, and the identity headers it signs.
_RESERVED_HEADERS = {
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "upgrade",
    "te",
    "trailer",
}
_RESERVED_PREFIXES = ("x-dream-", "proxy-", "cf-")


class InvalidGatewayConfigError(Exception):
    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Units:
    fixed: int | None = None
    response_header: str | None = None
    json_pointer: str | None = None
    max: int | None = None

    @property
    def most(self) -> int:
        """What a call may cost at most (what the gateway reserves before forwarding)."""
        return self.fixed if self.fixed is not None else int(self.max or 0)

    def to_json(self) -> dict[str, Any]:
        if self.fixed is not None:
            return {"fixed": self.fixed}
        source = (
            {"responseHeader": self.response_header}
            if self.response_header
            else {"jsonPointer": self.json_pointer}
        )
        return {**source, "max": self.max}


@dataclass(frozen=True)
class GatewayRoute:
    method: str
    path: str
    kind: str = "http"
    units: Units | None = None  # http routes
    models: dict[str, ModelPrice] = field(default_factory=dict)  # AI routes
    max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS
    meter_on: str = "success"
    upstream: str | None = None  # this route's own upstream (else the config's)
    upstream_headers: dict[str, str] | None = None  # this route's own secret headers (else the config's)

    def matches(self, method: str, path: str) -> bool:
        return self.method == method and path_matches(self.path, path)

    def to_json(self, headers: dict[str, Any] | None = None) -> dict[str, Any]:
        """The route as stored or shown; `headers`: its upstream headers as they should appear."""
        shown: dict[str, Any] = {"method": self.method, "path": self.path}
        if self.kind == "http":
            shown["units"] = self.units.to_json() if self.units else None
        else:
            shown.update(
                kind=self.kind,
                models={name: price.to_json() for name, price in self.models.items()},
                maxOutputTokens=self.max_output_tokens,
            )
        if self.meter_on != "success":
            shown["meterOn"] = self.meter_on
        if self.upstream is not None:
            shown["upstream"] = self.upstream
        if headers is not None:
            shown["upstreamHeaders"] = headers
        return shown


@dataclass(frozen=True)
class GatewayConfig:
    upstream: str
    upstream_headers: dict[str, str]  # secret values: only ever in memory in plain text
    routes: tuple[GatewayRoute, ...]

    def route_for(self, method: str, path: str) -> GatewayRoute | None:
        return next((route for route in self.routes if route.matches(method, path)), None)


def path_matches(pattern: str, path: str) -> bool:
    """`*` stands for one path segment, or for everything below when it is the last one."""
    wanted = pattern.strip("/").split("/")
    given = path.strip("/").split("/")
    for index, segment in enumerate(wanted):
        if segment == "*" and index == len(wanted) - 1:
            return len(given) > index and all(given[index:])
        if index >= len(given) or (segment != "*" and segment != given[index]) or not given[index]:
            return False
    return len(given) == len(wanted)


def parse_gateway_config(body: Any, policy: UpstreamPolicy) -> GatewayConfig:
    """The config a PUT submitted, or InvalidGatewayConfigError listing every problem."""
    problems: list[str] = []
    if not isinstance(body, dict):
        raise InvalidGatewayConfigError(["the body must be a JSON object"])
    _unknown(body, {"upstream", "upstreamHeaders", "routes"}, "the config", problems)
    upstream = _upstream(body.get("upstream"), "upstream", policy, problems)
    headers = _headers(body.get("upstreamHeaders", {}), "upstreamHeaders", problems) or {}
    raw_routes = body.get("routes")
    routes: list[GatewayRoute] = []
    if not isinstance(raw_routes, list) or not 1 <= len(raw_routes) <= MAX_ROUTES:
        problems.append(f"routes must be a list of 1 to {MAX_ROUTES} routes")
    else:
        for index, item in enumerate(raw_routes):
            route = _route(item, f"routes[{index}]", policy, problems)
            if route is not None:
                routes.append(route)
        seen: set[tuple[str, str]] = set()
        for route in routes:
            if (route.method, route.path) in seen:
                problems.append(f"routes: {route.method} {route.path} appears twice")
            seen.add((route.method, route.path))
    if problems:
        raise InvalidGatewayConfigError(problems)
    return GatewayConfig(upstream or "", headers, tuple(routes))


def _unknown(item: dict[str, Any], known: set[str], where: str, problems: list[str]) -> None:
    unknown = sorted(set(item) - known)
    if unknown:
        problems.append(f"{where} has unknown fields: {', '.join(unknown)}")


def _upstream(value: Any, where: str, policy: UpstreamPolicy, problems: list[str]) -> str | None:
    if not isinstance(value, str) or not value or len(value) > MAX_URL_LENGTH:
        problems.append(f"{where} must be a URL of at most {MAX_URL_LENGTH} characters")
        return None
    problem = policy.problem(value)
    if problem:
        problems.append(f"{where} {problem}")
        return None
    return value.rstrip("/")


def _headers(value: Any, where: str, problems: list[str]) -> dict[str, str] | None:
    if not isinstance(value, dict) or len(value) > MAX_HEADERS:
        problems.append(f"{where} must be an object of at most {MAX_HEADERS} header names and values")
        return None
    headers: dict[str, str] = {}
    for name, header_value in value.items():
        lowered = str(name).lower()
        if not _TOKEN.match(lowered):
            problems.append(f"{where}: {name!r} is not a header name")
        elif lowered in _RESERVED_HEADERS or lowered.startswith(_RESERVED_PREFIXES):
            problems.append(f"{where}: {name} is set by the gateway itself")
        elif not _header_value(header_value):
            problems.append(f"{where}.{name} must be printable text of at most {MAX_HEADER_VALUE} characters")
        elif header_value == MASK:
            problems.append(f"{where}.{name} is the mask shown in place of its value: send the value itself")
        else:
            headers[lowered] = header_value
    return headers


def _header_value(value: Any) -> bool:
    return (
        isinstance(value, str) and 0 < len(value) <= MAX_HEADER_VALUE and all(" " <= c <= "~" for c in value)
    )


def _route(item: Any, where: str, policy: UpstreamPolicy, problems: list[str]) -> GatewayRoute | None:
    if not isinstance(item, dict):
        problems.append(f"{where} must be an object")
        return None
    kind = item.get("kind", "http")
    known = {"method", "path", "kind", "meterOn", "upstream", "upstreamHeaders"}
    known |= {"units"} if kind == "http" else {"models", "maxOutputTokens"}
    _unknown(item, known, where, problems)
    before = len(problems)
    if kind not in KINDS:
        problems.append(f"{where}.kind must be one of {', '.join(KINDS)}")
    method = item.get("method", "GET" if kind == "http" else "POST")
    if method not in METHODS:
        problems.append(f"{where}.method must be one of {', '.join(METHODS)}")
    path = item.get("path")
    if not isinstance(path, str) or len(path) > 512 or not _PATH.match(path):
        problems.append(
            f"{where}.path must be a path like /v1/search or /v1/items/* (* is one segment, or all below)"
        )
    meter_on = item.get("meterOn", "success")
    if meter_on not in ("success", "any"):
        problems.append(f"{where}.meterOn must be success or any")
    upstream = (
        _upstream(item["upstream"], f"{where}.upstream", policy, problems) if "upstream" in item else None
    )
    headers = (
        _headers(item["upstreamHeaders"], f"{where}.upstreamHeaders", problems)
        if "upstreamHeaders" in item
        else None
    )
    units, models, max_output = None, {}, DEFAULT_MAX_OUTPUT_TOKENS
    if kind == "http":
        units = _units(item.get("units"), f"{where}.units", problems)
    elif kind in KINDS:
        if isinstance(path, str) and not path.endswith(AI_PATHS[kind]):
            problems.append(f"{where}.path of a {kind} route ends with {' or '.join(AI_PATHS[kind])}")
        models = parse_models(item.get("models"), f"{where}.models", problems)
        max_output = item.get("maxOutputTokens", DEFAULT_MAX_OUTPUT_TOKENS)
        if not _integer_in(max_output, 1, 1_000_000):
            problems.append(f"{where}.maxOutputTokens must be an integer from 1 to 1000000")
    if len(problems) > before:
        return None
    return GatewayRoute(method, path, kind, units, models, max_output, meter_on, upstream, headers)


def _units(value: Any, where: str, problems: list[str]) -> Units | None:
    if not isinstance(value, dict):
        problems.append(f"{where} must be {{fixed}}, {{responseHeader, max}} or {{jsonPointer, max}}")
        return None
    sources = [name for name in ("fixed", "responseHeader", "jsonPointer") if name in value]
    if len(sources) != 1:
        problems.append(f"{where} must have exactly one of fixed, responseHeader, jsonPointer")
        return None
    if sources == ["fixed"]:
        _unknown(value, {"fixed"}, where, problems)
        if not _integer_in(value["fixed"], 0, MAX_UNITS):
            problems.append(f"{where}.fixed must be an integer from 0 to {MAX_UNITS}")
            return None
        return Units(fixed=value["fixed"])
    _unknown(value, {sources[0], "max"}, where, problems)
    if not _integer_in(value.get("max"), 1, MAX_UNITS):
        problems.append(
            f"{where}.max must be an integer from 1 to {MAX_UNITS} (what the gateway holds before forwarding)"
        )
        return None
    if sources == ["responseHeader"]:
        name = str(value["responseHeader"]).lower()
        if not _TOKEN.match(name):
            problems.append(f"{where}.responseHeader must be a header name")
            return None
        return Units(response_header=name, max=value["max"])
    pointer = value["jsonPointer"]
    if not isinstance(pointer, str) or len(pointer) > 256 or not _POINTER.match(pointer):
        problems.append(f"{where}.jsonPointer must be a JSON pointer like /usage/units")
        return None
    return Units(json_pointer=pointer, max=value["max"])


def _integer_in(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high
