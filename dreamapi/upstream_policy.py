"""Which upstreams the gateway may forward to (server-side request forgery is the classic hole of
a gateway whose target is configured by its users): `https://` to a public host only. Refused: IP
literals outside the public internet (private, loopback, link-local incl. the cloud metadata
address, shared, multicast, reserved; IPv4-mapped IPv6 and WHATWG's numeric IPv4 forms included),
`localhost` and `*.localhost`, `*.internal`, `*.local`, our own domains, credentials in the URL.
Checked when a config is stored and again on every call; redirects are never followed.

Workers cannot resolve names, so a public name that resolves to a private address is not caught
here; Cloudflare's edge does not route to private addresses in production.
`GATEWAY_ALLOW_LOCAL_UPSTREAMS=1` (local development only) alone permits `http://` and loopback.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

_BLOCKED_SUFFIXES = (".localhost", ".internal", ".local")
_NUMERIC_PART = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")


@dataclass(frozen=True)
class UpstreamPolicy:
    allow_local: bool = False
    own_domains: frozenset[str] = frozenset()  # never an upstream (nor their subdomains)

    def problem(self, url: str) -> str | None:
        """Why `url` may not be an upstream, or None when it may."""
        try:
            parts = urlsplit(url)
            hostname = (parts.hostname or "").lower().rstrip(".")
            parts.port  # noqa: B018 - raises ValueError on a malformed port
        except ValueError:
            return "is not a valid URL"
        if parts.scheme not in ("https", "http"):
            return "must be an https:// URL"
        if parts.username is not None or parts.password is not None:
            return "must not carry credentials (put them in upstreamHeaders)"
        if not hostname:
            return "has no host"
        if parts.query or parts.fragment:
            return "must not have a query or fragment (the caller's query string is forwarded)"
        local = self._loopback(hostname)
        if parts.scheme == "http" and not (self.allow_local and local):
            return "must be an https:// URL"
        if local:
            return None if self.allow_local else "points at this machine (loopback)"
        address = ip_literal(hostname)
        if address is not None and not address.is_global:
            return f"points at a non-public address ({address})"
        if hostname == "localhost" or hostname.endswith(_BLOCKED_SUFFIXES):
            return "points at a local or internal name"
        if any(hostname == own or hostname.endswith("." + own) for own in self.own_domains):
            return "points at dream-api itself"
        return None

    @staticmethod
    def _loopback(hostname: str) -> bool:
        address = ip_literal(hostname)
        if address is not None:
            return address.is_loopback
        return hostname == "localhost" or hostname.endswith(".localhost")


def ip_literal(hostname: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a URL's host stands for when it is an IP literal (as a browser or fetch reads
    it: `[::1]`, `127.1`, `0x7f.0.0.1`, `2130706433`), else None."""
    host = hostname.strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return _whatwg_ipv4(host)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _whatwg_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The WHATWG URL standard's IPv4 parser: 1-4 dot-separated numbers, each decimal, octal
    (leading 0) or hex (0x), the last filling the remaining bytes."""
    parts = host.split(".")
    if parts and parts[-1] == "":
        parts.pop()
    if not 1 <= len(parts) <= 4 or not all(_NUMERIC_PART.match(part) for part in parts):
        return None
    numbers = []
    for part in parts:
        if part.startswith("0x"):
            numbers.append(int(part[2:] or "0", 16))
        elif len(part) > 1 and part.startswith("0"):
            if not all(digit in "01234567" for digit in part):
                return None
            numbers.append(int(part, 8))
        else:
            numbers.append(int(part))
    *leading, last = numbers
    if any(number > 255 for number in leading) or last >= 256 ** (5 - len(numbers)):
        return None
    value = last
    for index, number in enumerate(leading):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)
