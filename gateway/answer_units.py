"""What a call of a generic route cost, from the origin's answer: a fixed number, a response
header, or a JSON pointer into the answer's body; capped at the route's max. A missing or
malformed value counts 0 (logged: the origin did not say what the call cost)."""

from __future__ import annotations

import json
import logging
from typing import Any

from dreamapi.gateway_config import Units

logger = logging.getLogger("gateway.units")


def header_units(value: str | None, units: Units) -> int:
    if value is None or not value.strip().isdigit():
        logger.warning("gateway: the origin's %s header is missing or not a count", units.response_header)
        return 0
    return min(int(value.strip()), units.most)


def pointer_units(body: bytes, units: Units) -> int:
    try:
        found = resolve_pointer(json.loads(body), units.json_pointer or "")
    except (ValueError, KeyError, IndexError, TypeError):
        found = None
    if not isinstance(found, int) or isinstance(found, bool) or found < 0:
        logger.warning("gateway: the origin's answer has no count at %s", units.json_pointer)
        return 0
    return min(found, units.most)


def resolve_pointer(document: Any, pointer: str) -> Any:
    """RFC 6901."""
    for raw in pointer.split("/")[1:]:
        token = raw.replace("~1", "/").replace("~0", "~")
        document = document[int(token)] if isinstance(document, list) else document[token]
    return document
