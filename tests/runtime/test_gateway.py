"""The gateway in workerd, in front of the origin stand-in: end users' own keys, forwarding with
signed identity headers, metering from the answer, streaming, refusals that forward nothing,
origin failures that count nothing, SSRF, and secrets that never leave their box."""

from __future__ import annotations

import asyncio
import json
import secrets
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from dreamapi_client import InvalidGatewaySignature, verify_gateway_request

from scripts import devstack
from scripts.local_platform import Platform, wait_for_a_fresh_minute
from tests.runtime.conftest import CACHE_SECONDS, worker_with_clock_offset
from tests.runtime.helpers import eventually, key_headers, new_user, platform_with_tier

pytestmark = pytest.mark.runtime

UPSTREAM_SECRET = "Bearer sk-origin-" + "s3cr3t" * 4


def routes() -> list[dict[str, Any]]:
    return [
        {"method": "POST", "path": "/v1/echo", "units": {"fixed": 2}},
        {"method": "GET", "path": "/v1/echo/*", "units": {"fixed": 1}},
        {"method": "GET", "path": "/v1/units", "units": {"responseHeader": "x-units", "max": 100}},
        {"method": "POST", "path": "/v1/usage", "units": {"jsonPointer": "/usage/units", "max": 1000}},
        {"method": "GET", "path": "/v1/slow-stream", "units": {"fixed": 1}},
        {"method": "GET", "path": "/v1/fail", "units": {"fixed": 5}},
        {"method": "GET", "path": "/v1/hang", "units": {"fixed": 5}},
        {"method": "GET", "path": "/v1/redirect", "units": {"fixed": 1}},
        {"method": "GET", "path": "/v1/status", "units": {"fixed": 3}, "meterOn": "any"},
    ]


class Setup:
    """A platform with a gateway in front of the origin stand-in and an end user with a key."""

    def __init__(
        self, platform: Platform, api_multi: httpx.Client, *, limit: int = 100_000, rate: int = 1000
    ) -> None:
        self.platform = platform
        self.api_multi = api_multi
        self.platform_id, self.api_key = platform_with_tier(api_multi, limit=limit, rateLimit=rate)
        config = {
            "upstream": platform.origin.base_url,
            "upstreamHeaders": {"authorization": UPSTREAM_SECRET},
            "routes": routes(),
        }
        stored = api_multi.put("/api/developer/gateway", headers=key_headers(self.api_key), json=config)
        assert stored.status_code == 201, stored.text
        self.stored = stored.json()
        self.user = new_user()
        created = api_multi.post(
            f"/api/developer/users/{self.user}/keys", headers=key_headers(self.api_key), json={}
        )
        assert created.status_code == 201, created.text
        self.user_key = created.json()["apiKey"]
        self.gateway_url = f"{platform.workers['gateway'].url}/{self.platform_id}"

    @property
    def headers(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self.user_key}"}

    def usage(self) -> dict[str, Any]:
        reply = self.api_multi.get("/api/usage", headers=key_headers(self.api_key, self.user))
        assert reply.status_code == 200, reply.text
        return dict(reply.json()["usage"])

    def settled(self, count: int) -> dict[str, Any]:
        """Usage once the gateway's settles (after each answer) have all landed."""
        return eventually(self.usage, lambda u: u["count"] == count and u["held"] == 0)

    def origin_requests(self, marker: str) -> list[Any]:
        return self.platform.origin.requests(header="x-test-marker", value=marker)


@pytest.fixture()
def setup(platform: Platform, api_multi: httpx.Client) -> Setup:
    return Setup(platform, api_multi)


def test_a_call_is_forwarded_with_signed_identity_and_the_developers_header_never_the_end_users_key(
    setup: Setup,
) -> None:
    marker = secrets.token_hex(6)
    body = b'{"prompt": "hello", "n": 1}'
    reply = httpx.post(
        f"{setup.gateway_url}/v1/echo?a=1&b=two",
        content=body,
        headers={**setup.headers, "content-type": "application/json", "x-test-marker": marker},
    )
    assert reply.status_code == 200, reply.text
    described = reply.json()
    assert (described["path"], described["query"], described["body"]) == (
        "/v1/echo",
        "a=1&b=two",
        body.decode(),
    )
    [seen] = setup.origin_requests(marker)
    assert seen.headers["authorization"] == UPSTREAM_SECRET
    assert setup.user_key not in json.dumps(seen.to_dict())
    caller = verify_gateway_request(
        setup.stored["signingSecret"], method="POST", path="/v1/echo", headers=seen.headers
    )
    assert (caller.platform_id, caller.user_id) == (setup.platform_id, setup.user)  # the SDK helper agrees
    for method, path in (("GET", "/v1/echo"), ("POST", "/v1/other")):  # signed for this request only
        with pytest.raises(InvalidGatewaySignature):
            verify_gateway_request(
                setup.stored["signingSecret"], method=method, path=path, headers=seen.headers
            )
    assert (seen.headers["x-dream-platform-id"], seen.headers["x-dream-user-id"]) == (
        setup.platform_id,
        setup.user,
    )
    assert (
        reply.headers["ratelimit-policy"] == '"per-minute";q=1000;w=60'
        and reply.headers["x-ratelimit-remaining"]
    )
    assert reply.headers["ratelimit"].startswith('"per-minute";r=')
    assert setup.settled(2)["count"] == 2
    # the same with curl, and the key in x-api-key as some SDKs send it
    curl = subprocess.run(
        [
            "curl",
            "-sS",
            "-X",
            "POST",
            f"{setup.gateway_url}/v1/echo",
            "-H",
            f"x-api-key: {setup.user_key}",
            "-H",
            f"x-test-marker: {marker}-curl",
            "-d",
            "curl body",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    assert json.loads(curl.stdout)["body"] == "curl body"
    [by_curl] = setup.origin_requests(f"{marker}-curl")
    assert "x-api-key" not in by_curl.headers and setup.user_key not in json.dumps(by_curl.to_dict())
    assert setup.settled(4)["count"] == 4


def test_a_stream_reaches_the_client_as_the_origin_sends_it(setup: Setup) -> None:
    """A text/plain answer is compressed on the way out when the client accepts gzip (Cloudflare
    does, and the local runtime does as Cloudflare), which holds chunks back: a streaming client
    asks for identity, as curl does by default; text/event-stream is never compressed."""
    direct = httpx.get(f"{setup.platform.origin.base_url}/v1/slow-stream?delay=0.2").content
    started = time.monotonic()
    chunks: list[tuple[float, bytes]] = []
    url = f"{setup.gateway_url}/v1/slow-stream?delay=2"
    headers = {**setup.headers, "accept-encoding": "identity"}
    with httpx.stream("GET", url, headers=headers, timeout=30) as reply:
        assert reply.status_code == 200 and "content-encoding" not in reply.headers
        for chunk in reply.iter_raw():
            chunks.append((time.monotonic() - started, chunk))
    assert chunks[0][0] < 1.0, chunks  # the first chunk did not wait for the rest
    assert chunks[-1][0] >= 2.0
    assert b"".join(chunk for _, chunk in chunks) == direct  # byte for byte the origin's
    curl = subprocess.run(
        [
            "curl",
            "-sS",
            "-N",
            url,
            "-H",
            f"authorization: Bearer {setup.user_key}",
            "-w",
            "\n%{time_starttransfer}",
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    body, _, first_byte = curl.stdout.rpartition(b"\n")
    assert body == direct and float(first_byte) < 1.0
    assert setup.settled(2)["count"] == 2


def test_units_come_from_the_route_the_header_or_the_json_answer_exactly(setup: Setup) -> None:
    units = httpx.get(f"{setup.gateway_url}/v1/units?units=17", headers=setup.headers)
    assert units.status_code == 200 and "x-units" not in units.headers and units.json() == {"ok": True}
    assert setup.settled(17)["count"] == 17
    capped = httpx.get(f"{setup.gateway_url}/v1/units?units=250", headers=setup.headers)
    assert capped.status_code == 200
    assert setup.settled(117)["count"] == 117  # capped at the route's max of 100
    usage = httpx.post(f"{setup.gateway_url}/v1/usage?units=42", headers=setup.headers)
    assert usage.json() == {"result": "ok", "usage": {"units": 42}}
    assert setup.settled(159)["count"] == 159
    by_id = httpx.get(f"{setup.gateway_url}/v1/echo/items/7", headers=setup.headers)
    assert by_id.status_code == 200 and by_id.json()["path"] == "/v1/echo/items/7"
    assert setup.settled(160)["count"] == 160
    page = setup.api_multi.get(
        f"/api/developer/users/{setup.user}", headers=key_headers(setup.api_key)
    ).json()
    assert page["unitsBy"]["route"] == {"GET /v1/units": 117, "POST /v1/usage": 42, "GET /v1/echo/*": 1}


def test_origin_failures_count_nothing(setup: Setup) -> None:
    failed = httpx.get(f"{setup.gateway_url}/v1/fail", headers=setup.headers)
    assert (
        failed.status_code == 500 and failed.json()["error"]["type"] == "origin_failure"
    )  # the origin's own
    started = time.monotonic()
    hung = httpx.get(f"{setup.gateway_url}/v1/hang?seconds=30", headers=setup.headers, timeout=60)
    assert (
        hung.status_code == 504 and hung.json()["error"] == "upstream_timeout" and hung.headers["retry-after"]
    )
    assert time.monotonic() - started < 15
    not_found = httpx.get(f"{setup.gateway_url}/v1/status?code=404", headers=setup.headers)
    assert not_found.status_code == 404  # meterOn any: a 4xx counts its 3 units
    server_error = httpx.get(f"{setup.gateway_url}/v1/status?code=503", headers=setup.headers)
    assert server_error.status_code == 503  # a 5xx never counts
    assert setup.settled(3)["count"] == 3
    config = {
        "upstream": "http://127.0.0.1:9",
        "routes": [{"method": "GET", "path": "/x", "units": {"fixed": 4}}],
    }
    assert (
        setup.api_multi.put(
            "/api/developer/gateway", headers=key_headers(setup.api_key), json=config
        ).status_code
        == 200
    )
    time.sleep(CACHE_SECONDS + 0.5)
    refused = httpx.get(f"{setup.gateway_url}/x", headers=setup.headers)
    assert refused.status_code == 502 and refused.json()["error"] == "upstream_unreachable"
    assert setup.settled(3)["count"] == 3


def test_a_redirect_is_passed_back_not_followed(setup: Setup) -> None:
    marker = secrets.token_hex(6)
    reply = httpx.get(
        f"{setup.gateway_url}/v1/redirect?to=/v1/echo/elsewhere",
        headers={**setup.headers, "x-test-marker": marker},
    )
    assert reply.status_code == 302 and reply.headers["location"] == "/v1/echo/elsewhere"
    assert [r.path for r in setup.origin_requests(marker)] == ["/v1/redirect"]


def test_refusals_forward_nothing(platform: Platform, api_multi: httpx.Client) -> None:
    setup = Setup(platform, api_multi, limit=3)
    marker = secrets.token_hex(6)
    headers = {**setup.headers, "x-test-marker": marker}
    assert httpx.post(f"{setup.gateway_url}/v1/echo", headers=headers).status_code == 200  # 2 of 3 units
    unpaid = httpx.post(f"{setup.gateway_url}/v1/echo", headers=headers)
    assert unpaid.status_code == 402, unpaid.text
    body = unpaid.json()
    assert body["error"] == "payment_required" and body["buyUrl"].endswith(f"/p/{setup.platform_id}")
    assert body["units"] == 2 and unpaid.headers.get("content-type", "").startswith("application/json")
    unknown_route = httpx.get(f"{setup.gateway_url}/v2/nothing-here", headers=headers)
    assert unknown_route.status_code == 404 and unknown_route.json()["error"] == "no_route"
    for bad in (
        {},
        {"authorization": "Bearer dream_user_" + "0" * 36},
        {"authorization": f"Bearer {setup.api_key}"},
        {"x-api-key": "sk-not-ours"},
    ):
        reply = httpx.post(f"{setup.gateway_url}/v1/echo", headers={**bad, "x-test-marker": marker})
        assert reply.status_code == 401, (bad, reply.text)
    other = Setup(platform, api_multi)
    foreign = httpx.post(f"{setup.gateway_url}/v1/echo", headers={**other.headers, "x-test-marker": marker})
    assert foreign.status_code == 401  # a key of another platform
    assert len(setup.origin_requests(marker)) == 1  # only the first call reached the origin
    assert setup.settled(2)["count"] == 2


def test_a_revoked_key_is_refused_and_the_key_works_on_the_metering_api(setup: Setup) -> None:
    usage = setup.api_multi.get("/api/usage", headers=setup.headers)  # the third auth mode: no X-User-Id
    assert usage.status_code == 200 and usage.json()["userId"] == setup.user
    data = setup.api_multi.post(
        "/api/data", headers={**setup.headers, "x-user-plan": "ignored"}, json={"units": 5}
    )
    assert (
        data.status_code == 200
        and data.json()["usage"]["count"] == 5
        and data.json()["usage"]["plan"] == "metered"
    )
    listed = setup.api_multi.get(
        f"/api/developer/users/{setup.user}/keys", headers=key_headers(setup.api_key)
    ).json()
    [key] = listed["keys"]
    assert setup.user_key not in json.dumps(listed) and key["prefix"] == setup.user_key[:15]
    revoked = setup.api_multi.delete(
        f"/api/developer/users/{setup.user}/keys/{key['id']}", headers=key_headers(setup.api_key)
    )
    assert revoked.status_code == 200 and revoked.json()["revokedAt"]
    assert (
        setup.api_multi.get("/api/usage", headers=setup.headers).status_code == 401
    )  # at once where revoked
    time.sleep(CACHE_SECONDS + 0.5)  # the gateway's isolate cache ages out (KEY_CACHE_SECONDS in production)
    assert httpx.post(f"{setup.gateway_url}/v1/echo", headers=setup.headers).status_code == 401


def test_an_end_user_manages_their_own_keys_in_the_portal(
    platform: Platform, api_multi: httpx.Client
) -> None:
    setup = Setup(platform, api_multi)
    user = new_user()
    token = platform.customer_identity.issue(user, public_metadata={"platformId": setup.platform_id})
    session = {"authorization": f"Bearer {token}"}
    created = api_multi.post("/api/keys", headers=session, json={"name": "laptop"})
    assert created.status_code == 201 and created.json()["apiKey"].startswith("dream_user_")
    own_key = created.json()["apiKey"]
    assert [k["name"] for k in api_multi.get("/api/keys", headers=session).json()["keys"]] == ["laptop"]
    reply = httpx.post(f"{setup.gateway_url}/v1/echo", headers={"authorization": f"Bearer {own_key}"})
    assert reply.status_code == 200 and reply.json()["headers"]["x-dream-user-id"] == user
    assert (
        api_multi.get("/api/keys", headers={"authorization": f"Bearer {own_key}"}).status_code == 401
    )  # session only
    key_id = created.json()["id"]
    assert api_multi.delete(f"/api/keys/{key_id}", headers=session).json()["revokedAt"]


def test_the_config_is_validated_whole_and_its_secrets_never_shown(setup: Setup) -> None:
    headers = key_headers(setup.api_key)
    shown = setup.api_multi.get("/api/developer/gateway", headers=headers).json()
    assert shown["upstreamHeaders"] == {"authorization": "********"} and "signingSecret" not in shown
    assert shown["gatewayUrl"] == setup.gateway_url and shown["routes"][0]["units"] == {"fixed": 2}
    bad = {
        "upstream": "ftp://example.com",
        "upstreamHeaders": {"host": "x", "x-ok": "line\nbreak"},
        "routes": [
            {"method": "TRACE", "path": "v1", "units": {"fixed": -1}},
            {"path": "/a", "units": {"responseHeader": "x-u"}},
            {"path": "/b", "units": {"fixed": 1, "jsonPointer": "/x", "max": 2}},
        ],
    }
    refused = setup.api_multi.put("/api/developer/gateway", headers=headers, json=bad)
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_gateway_config"
    problems = refused.json()["problems"]
    assert len(problems) >= 7, problems
    # what GET shows, sent back as it is, would replace the secret with its mask: refused
    read_back = {name: shown[name] for name in ("upstream", "upstreamHeaders", "routes")}
    masked = setup.api_multi.put("/api/developer/gateway", headers=headers, json=read_back)
    assert masked.status_code == 400, masked.text
    assert masked.json()["problems"] == [
        "upstreamHeaders.authorization is the mask shown in place of its value: send the value itself"
    ]
    assert (
        setup.api_multi.get("/api/developer/gateway", headers=headers).json()["routes"] == shown["routes"]
    )  # kept
    rolled = setup.api_multi.post("/api/developer/gateway/signing-secret/roll", headers=headers)
    assert rolled.status_code == 201 and rolled.json()["signingSecret"] != setup.stored["signingSecret"]
    marker = secrets.token_hex(6)
    time.sleep(CACHE_SECONDS + 0.5)
    httpx.post(f"{setup.gateway_url}/v1/echo", headers={**setup.headers, "x-test-marker": marker})
    [seen] = setup.origin_requests(marker)
    caller = verify_gateway_request(
        rolled.json()["signingSecret"], method="POST", path="/v1/echo", headers=seen.headers
    )
    assert caller.user_id == setup.user


def test_secrets_are_never_in_kv_logs_or_answers_in_plain_text(setup: Setup) -> None:
    marker = secrets.token_hex(6)
    httpx.post(f"{setup.gateway_url}/v1/echo", headers={**setup.headers, "x-test-marker": marker})
    stored = setup.platform.kv.get("TOKENS_KV", f"platform:{setup.platform_id}:gateway")
    assert stored is not None and "sk-origin" not in stored and setup.stored["signingSecret"] not in stored
    shown = setup.api_multi.get("/api/developer/gateway", headers=key_headers(setup.api_key)).text
    assert "sk-origin" not in shown and setup.stored["signingSecret"] not in shown
    logs = "".join(path.read_text(errors="replace") for path in setup.platform.log_dir.glob("*.log"))
    for secret in ("sk-origin", setup.stored["signingSecret"], setup.user_key):
        assert secret not in logs


@pytest.fixture()
def strict_api_multi(platform: Platform) -> Iterator[httpx.Client]:
    """api_multi as deployed: no local upstreams allowed."""
    with worker_with_clock_offset(platform, "api_multi", 0, {"GATEWAY_ALLOW_LOCAL_UPSTREAMS": "0"}) as client:
        yield client


@pytest.mark.parametrize(
    "upstream",
    [
        "http://api.example.com",
        "https://127.0.0.1",
        "https://[::1]",
        "https://169.254.169.254",
        "https://10.0.0.1",
        "https://localhost",
        "file:///etc/passwd",
        "ftp://example.com",
        "https://2130706433",
        "https://metadata.google.internal",
    ],
)
def test_ssrf_targets_are_refused_without_the_local_flag(
    strict_api_multi: httpx.Client, api_multi: httpx.Client, upstream: str
) -> None:
    _, api_key = platform_with_tier(api_multi, limit=10, rateLimit=10)
    config = {"upstream": upstream, "routes": [{"path": "/x", "units": {"fixed": 1}}]}
    reply = strict_api_multi.put("/api/developer/gateway", headers=key_headers(api_key), json=config)
    assert reply.status_code == 400 and reply.json()["error"] == "invalid_gateway_config", reply.text
    assert reply.json()["problems"][0].startswith("upstream ")
    public = {**config, "upstream": "https://api.example.com"}
    assert (
        strict_api_multi.put("/api/developer/gateway", headers=key_headers(api_key), json=public).status_code
        == 201
    )


async def _calls(url: str, headers: dict[str, str], count: int, marker: str) -> list[httpx.Response]:
    async with httpx.AsyncClient(timeout=60, limits=httpx.Limits(max_connections=count)) as client:
        return list(
            await asyncio.gather(
                *(client.post(url, headers={**headers, "x-test-marker": marker}) for _ in range(count))
            )
        )


def test_100_concurrent_calls_with_50_units_left_forward_exactly_what_is_affordable(
    platform: Platform, api_multi: httpx.Client
) -> None:
    setup = Setup(platform, api_multi, limit=100, rate=100_000)
    assert (
        api_multi.post(
            "/api/data", headers=key_headers(setup.api_key, setup.user), json={"units": 50}
        ).status_code
        == 200
    )
    second = platform.start_worker("gateway", "gateway-location-b")
    try:
        devstack.wait_until_up(second)
        marker = secrets.token_hex(6)
        wait_for_a_fresh_minute()
        urls = [f"{setup.gateway_url}/v1/echo", f"{second.url}/{setup.platform_id}/v1/echo"]
        replies = asyncio.run(_both(urls, setup.headers, marker))
    finally:
        second.stop()
    statuses = [reply.status_code for reply in replies]
    assert (statuses.count(200), statuses.count(402)) == (25, 75), statuses  # 2 units each
    forwarded = setup.origin_requests(marker)
    assert len(forwarded) == 25
    assert setup.settled(100)["count"] == 100  # 50 before + 25 calls of 2: counted == forwarded 2xx


async def _both(urls: list[str], headers: dict[str, str], marker: str) -> list[httpx.Response]:
    halves = await asyncio.gather(*(_calls(url, headers, 50, marker) for url in urls))
    return [reply for half in halves for reply in half]


def test_a_config_change_starts_from_what_is_stored_not_from_another_isolates_copy(
    platform: Platform, api_multi: httpx.Client, locations: list[str]
) -> None:
    platform_id, api_key = platform_with_tier(api_multi, limit=1000, rateLimit=1000)
    config = {"upstream": platform.origin.base_url, "routes": routes()[:1]}
    with httpx.Client(base_url=locations[1], timeout=60) as elsewhere:
        assert elsewhere.get("/api/developer/gateway", headers=key_headers(api_key)).status_code == 404
        first = api_multi.put("/api/developer/gateway", headers=key_headers(api_key), json=config)
        assert first.status_code == 201 and first.json()["signingSecret"].startswith("gwsec_")
        # the location that saw no gateway a moment ago replaces it: no second secret is minted
        replaced = elsewhere.put("/api/developer/gateway", headers=key_headers(api_key), json=config)
        assert replaced.status_code == 200, replaced.text
        assert "signingSecret" not in replaced.json()
        rolled = api_multi.post("/api/developer/gateway/signing-secret/roll", headers=key_headers(api_key))
        assert rolled.status_code == 201
        # a change elsewhere keeps the rolled secret: the gateway signs with it
        assert (
            elsewhere.put("/api/developer/gateway", headers=key_headers(api_key), json=config).status_code
            == 200
        )
    user = new_user()
    created = api_multi.post(f"/api/developer/users/{user}/keys", headers=key_headers(api_key), json={})
    marker = secrets.token_hex(6)
    reply = httpx.post(
        f"{platform.workers['gateway'].url}/{platform_id}/v1/echo",
        headers={"authorization": f"Bearer {created.json()['apiKey']}", "x-test-marker": marker},
    )
    assert reply.status_code == 200, reply.text
    [seen] = platform.origin.requests(header="x-test-marker", value=marker)
    caller = verify_gateway_request(
        rolled.json()["signingSecret"], method="POST", path="/v1/echo", headers=seen.headers
    )
    assert (caller.platform_id, caller.user_id) == (platform_id, user)


def test_secrets_that_cannot_be_opened_are_a_503_not_a_500(platform: Platform, setup: Setup) -> None:
    other_key = {"GATEWAY_ENCRYPTION_KEY": "b3RoZXIga2V5IG9mIHRoaXJ0eS10d28gYnl0ZXMgMDA="}
    for worker in ("gateway", "api_multi"):
        process = platform.start_worker(worker, f"{worker}-other-key", other_key)
        try:
            devstack.wait_until_up(process)
            if worker == "gateway":
                reply = httpx.post(f"{process.url}/{setup.platform_id}/v1/echo", headers=setup.headers)
            else:
                reply = httpx.get(f"{process.url}/api/developer/gateway", headers=key_headers(setup.api_key))
        finally:
            process.stop()
        assert reply.status_code == 503, (worker, reply.text)
        assert reply.json()["error"] == "misconfigured" and reply.headers["retry-after"]
    assert setup.usage()["count"] == 0  # nothing held or counted for the refused call
