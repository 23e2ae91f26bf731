"""Method + path routing with `{param}` segments (`{param:path}`: the rest of the path, slashes
included, as Starlette has it); 404 and 405 (with Allow) built in."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from dreamapi.errors import ApiError, not_found
from dreamapi.http import Request, Response

if TYPE_CHECKING:
    from dreamapi.openapi import Operation
    from dreamapi.services import Services

Handler = Callable[[Request, "Services"], Awaitable[Response]]

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*(?::path)?)\}")


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    regex: re.Pattern[str]
    handler: Handler
    operation: Operation | None = None


def _segment(param: str) -> str:
    name, _, kind = param.partition(":")
    return f"(?P<{name}>.*)" if kind == "path" else f"(?P<{name}>[^/]+)"


def _compile(pattern: str) -> re.Pattern[str]:
    parts = _PARAM.split(pattern)
    regex = "".join(_segment(part) if index % 2 else re.escape(part) for index, part in enumerate(parts))
    return re.compile(f"^{regex}$")


class Router:
    def __init__(self) -> None:
        self.routes: list[Route] = []
        self._static: dict[tuple[str, str], Route] = {}  # (method, path) of routes without params

    def add(self, method: str, pattern: str, handler: Handler, operation: Operation | None = None) -> None:
        route = Route(method.upper(), pattern, _compile(pattern), handler, operation)
        shadowed = any(r.method == route.method and r.regex.match(pattern) for r in self.routes)
        self.routes.append(route)
        if not _PARAM.search(pattern) and not shadowed:  # the first route to match wins, as in the scan
            self._static[(route.method, pattern)] = route

    def allowed_methods(self, path: str) -> list[str]:
        methods = {route.method for route in self.routes if route.regex.match(path)}
        if "GET" in methods:
            methods.add("HEAD")
        if methods:
            methods.add("OPTIONS")
        return sorted(methods)

    def resolve(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        lookup_method = "GET" if method == "HEAD" else method
        static = self._static.get((lookup_method, path))
        if static is not None:
            return static.handler, {}
        path_matched = False
        for route in self.routes:
            match = route.regex.match(path)
            if not match:
                continue
            path_matched = True
            if route.method == lookup_method:
                return route.handler, match.groupdict()
        if not path_matched:
            raise not_found(f"No route for {path}")
        allowed = self.allowed_methods(path)
        raise ApiError(
            405,
            "method_not_allowed",
            f"{method} is not allowed on {path}; allowed: {', '.join(allowed)}",
            headers={"allow": ", ".join(allowed)},
        )
