"""The gateway's identity headers: what the gateway signs, and what the SDK helper an origin uses
accepts (the TypeScript helper checks the same vector in clients/typescript/test/gateway.test.ts)."""

from __future__ import annotations

import pytest
from dreamapi_client import InvalidGatewaySignature, verify_gateway_request

from dreamapi.gateway_signing import identity_headers

SECRET = "gwsec_test"
NOW = 1_800_000_000
PLATFORM = "plt_0123456789abcdef0123"
VECTOR = "v1=1eb5a4cb4b1a46880c26180efe2eca1e51bdd80d2a4894b5ae01d811bcb77281"


def headers() -> dict[str, str]:
    return identity_headers(SECRET, NOW, PLATFORM, "user_42", "post", "/v1/chat/completions")


def test_the_signature_is_the_documented_hmac() -> None:
    assert headers()["x-dream-signature"] == VECTOR
    verify_gateway_request(
        SECRET, method="POST", path="/v1/chat/completions", headers=headers(), now=NOW + 299
    )


def test_the_sdk_helper_accepts_the_gateways_headers_in_any_case() -> None:
    mixed = {name.title(): value for name, value in headers().items()}
    caller = verify_gateway_request(
        SECRET, method="POST", path="/v1/chat/completions", headers=mixed, now=NOW
    )
    assert (caller.platform_id, caller.user_id, caller.timestamp) == (PLATFORM, "user_42", NOW)


@pytest.mark.parametrize(
    ("change", "now"),
    [
        ({"x-dream-user-id": "user_43"}, NOW),
        ({"x-dream-platform-id": "plt_" + "1" * 20}, NOW),
        ({"x-dream-signature": VECTOR[:-1] + "0"}, NOW),
        ({"x-dream-timestamp": "soon"}, NOW),
        ({}, NOW + 301),
        ({}, NOW - 301),
    ],
)
def test_anything_else_is_refused(change: dict[str, str], now: int) -> None:
    tampered = {**headers(), **change}
    with pytest.raises(InvalidGatewaySignature):
        verify_gateway_request(SECRET, method="POST", path="/v1/chat/completions", headers=tampered, now=now)
    with pytest.raises(InvalidGatewaySignature):
        verify_gateway_request(
            "gwsec_other", method="POST", path="/v1/chat/completions", headers=headers(), now=NOW
        )
