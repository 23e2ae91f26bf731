"""Plain-Python HTTP request and response, independent of the runtime."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


class Headers:
    """Case-insensitive, order-preserving header list (allows repeated names).

    An index by lowercased name makes every lookup O(1): a request reads a dozen headers."""

    __slots__ = ("_index", "_items")

    def __init__(self, items: Iterable[tuple[str, str]] | Mapping[str, str] = ()) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        self._items: list[tuple[str, str]] = []
        self._index: dict[str, str] = {}  # lowercased name -> first value
        for name, value in pairs:
            self.add(str(name), str(value))

    @classmethod
    def from_lowercase(cls, unique: Mapping[str, str]) -> Headers:
        """Headers from names that are already lowercase and unique, as a JS Headers object
        yields them: no per-name normalising on the hot path."""
        headers = cls.__new__(cls)
        headers._index = dict(unique)
        headers._items = list(headers._index.items())
        return headers

    def get(self, name: str, default: str | None = None) -> str | None:
        return self._index.get(name.lower(), default)

    def get_all(self, name: str) -> list[str]:
        lowered = name.lower()
        if lowered not in self._index:
            return []
        return [value for key, value in self._items if key.lower() == lowered]

    def set(self, name: str, value: str) -> None:
        self.remove(name)
        self.add(name, value)

    def add(self, name: str, value: str) -> None:
        self._items.append((name, value))
        self._index.setdefault(name.lower(), value)

    def setdefault(self, name: str, value: str) -> None:
        if name.lower() not in self._index:
            self.add(name, value)

    def remove(self, name: str) -> None:
        lowered = name.lower()
        if self._index.pop(lowered, None) is not None:
            self._items = [(k, v) for k, v in self._items if k.lower() != lowered]

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._index

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __repr__(self) -> str:  # never print values: they may hold credentials
        return f"Headers({[k for k, _ in self._items]})"


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    path_params: dict[str, str] = field(default_factory=dict)
    query_string: str = ""  # as received, still encoded (what a proxy forwards)

    @classmethod
    def from_url(
        cls,
        method: str,
        url_path_and_query: str,
        headers: Headers | None = None,
        body: bytes = b"",
    ) -> Request:
        path, _, query_string = url_path_and_query.partition("?")
        return cls(
            method=method.upper(),
            path=path or "/",
            query=parse_qs(query_string, keep_blank_values=True) if query_string else {},
            headers=headers or Headers(),
            body=body,
            query_string=query_string,
        )

    def query_param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    @property
    def origin(self) -> str | None:
        return self.headers.get("origin")


@dataclass
class Response:
    status: int = 200
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    stream: Any = None  # a runtime body stream sent instead of `body` (the gateway relaying an origin)

    def json(self) -> Any:
        return json.loads(self.body)


JSON_CONTENT_TYPE = "application/json; charset=utf-8"
# json.dumps with non-default options builds a new encoder on every call; one is enough.
_JSON_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def json_response(data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Response:
    response_headers = Headers.from_lowercase({"content-type": JSON_CONTENT_TYPE})
    for name, value in (headers or {}).items():
        response_headers.set(name, value)
    return Response(status=status, headers=response_headers, body=_JSON_ENCODER.encode(data).encode())


def redirect(location: str, status: int = 302) -> Response:
    return Response(status=status, headers=Headers({"location": location}))
