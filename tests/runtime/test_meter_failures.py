"""When the usage meter hangs or is down: a clear 503 with Retry-After, never a 500, never a
call answered "counted" that was not stored, and nothing counted; restarted, counts continue.

Runs its own small platform (meter, api_multi, front_auth_api) so that stopping the meter
disturbs no other test."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator

import httpx
import pytest

from scripts.local_platform import Platform, running_platform
from tests.runtime.conftest import ARTIFACTS, TEST_VARIABLES
from tests.runtime.helpers import key_headers, new_user, register

pytestmark = pytest.mark.runtime

METER_TIMEOUT_SECONDS = 1.0


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    variables = {**TEST_VARIABLES, "METER_TIMEOUT_SECONDS": str(METER_TIMEOUT_SECONDS)}
    with running_platform(
        tmp_path_factory.mktemp("meter-failures"),
        ARTIFACTS / "logs-meter-failures",
        workers=("api_multi", "front_auth_api"),
        extra_variables=variables,
    ) as started:
        yield started


def assert_meter_unavailable(reply: httpx.Response) -> None:
    assert reply.status_code == 503, reply.text
    assert reply.json()["error"] == "meter_unavailable" and reply.json()["message"]
    assert int(reply.headers["retry-after"]) >= 1


def count(stack: Platform, api_key: str, user: str) -> int:
    reply = httpx.get(f"{stack.workers['api_multi'].url}/api/usage", headers=key_headers(api_key, user))
    assert reply.status_code == 200, reply.text
    return int(reply.json()["usage"]["count"])


def count_once_back(client: httpx.Client, path: str, headers: dict[str, str], timeout: float = 60) -> int:
    """The count once usage reads work again (a worker reloads when the meter's address
    changes, so it may refuse connections for a moment)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            reply = client.get(path, headers=headers)
            if reply.status_code == 200:
                return int(reply.json()["usage"]["count"])
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the meter did not come back"
        time.sleep(0.5)


def test_a_hung_meter_answers_503_in_time_and_the_late_call_counts_nothing(stack: Platform) -> None:
    api = stack.client("api_multi")
    _, api_key = register(api)
    user = new_user()
    for _ in range(3):
        assert api.post("/api/data", headers=key_headers(api_key, user)).status_code == 200
    meter_group = stack.meter.popen.pid
    os.killpg(meter_group, signal.SIGSTOP)  # the meter accepts connections but never answers
    try:
        started = time.monotonic()
        reply = api.post("/api/data", headers=key_headers(api_key, user))
        waited = time.monotonic() - started
        assert_meter_unavailable(reply)
        assert waited < METER_TIMEOUT_SECONDS + 3
        assert_meter_unavailable(api.get("/api/usage", headers=key_headers(api_key, user)))
    finally:
        os.killpg(meter_group, signal.SIGCONT)
    # The meter now receives the call it was sent while stopped, past that call's deadline.
    time.sleep(1)
    assert count(stack, api_key, user) == 3
    assert api.post("/api/data", headers=key_headers(api_key, user)).json()["usage"]["count"] == 4


def test_a_stopped_meter_answers_503_and_counts_continue_after_a_restart(stack: Platform) -> None:
    api = stack.client("api_multi")
    _, api_key = register(api)
    user = new_user()
    for _ in range(2):
        assert api.post("/api/data", headers=key_headers(api_key, user)).status_code == 200
    developer = {"authorization": f"Bearer {stack.developer_token('user_' + new_user())}"}
    with stack.client("front_auth_api") as front:
        assert front.post("/verify-auth", headers=developer).status_code == 200
        stack.stop_meter()
        for _ in range(3):
            assert_meter_unavailable(api.post("/api/data", headers=key_headers(api_key, user)))
        assert_meter_unavailable(front.post("/verify-auth", headers=developer))
        assert_meter_unavailable(front.get("/usage", headers=developer))
        stack.restart_meter()

        # nothing was counted while the meter was down, and what it had counted persisted
        assert count_once_back(api, "/api/usage", key_headers(api_key, user)) == 2
        reply = api.post("/api/data", headers=key_headers(api_key, user))
        assert reply.status_code == 200 and reply.json()["usage"]["count"] == 3
        assert count_once_back(front, "/usage", developer) == 1
        assert front.post("/verify-auth", headers=developer).json()["usage"]["count"] == 2


def test_reservations_when_the_meter_hangs_hold_nothing_and_a_retried_settle_counts_once(
    stack: Platform,
) -> None:
    api = stack.client("api_multi")
    _, api_key = register(api)  # the default free tier: 5 units a month
    user = new_user()
    headers = key_headers(api_key, user)
    held = api.post("/api/reservations", headers=headers, json={"units": 3})
    assert held.status_code == 201, held.text
    settle_path = f"/api/reservations/{held.json()['id']}/settle"
    meter_group = stack.meter.popen.pid
    os.killpg(meter_group, signal.SIGSTOP)
    try:
        assert_meter_unavailable(api.post("/api/reservations", headers=headers, json={"units": 2}))
        assert_meter_unavailable(api.post(settle_path, headers=headers, json={"units": 2}))
    finally:
        os.killpg(meter_group, signal.SIGCONT)
    time.sleep(1)  # the meter receives both operations past their deadlines: neither is applied
    usage = api.get("/api/usage", headers=headers).json()["usage"]
    assert (usage["held"], usage["count"]) == (3, 0)
    retried = api.post(settle_path, headers=headers, json={"units": 2})
    assert retried.status_code == 200 and retried.json()["units"] == 2, retried.text
    again = api.post(settle_path, headers=headers, json={"units": 2})
    assert again.json() == retried.json() and again.headers["idempotent-replayed"] == "true"
    usage = api.get("/api/usage", headers=headers).json()["usage"]
    assert (usage["held"], usage["count"]) == (0, 2)
