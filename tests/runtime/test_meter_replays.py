"""A meter operation sent again (its answer was lost on the way, DurableObjectMeter retries it) is
applied once and answered as the first time, in the real meter object, through a probe worker
that sends raw operations the way api_multi's port does."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from scripts import devstack
from scripts.local_platform import Platform
from tests.runtime.helpers import eventually

pytestmark = pytest.mark.runtime


@pytest.fixture(scope="module")
def probe(platform: Platform) -> Iterator[httpx.Client]:
    process = devstack.start_worker(
        devstack.METER_PROBE,
        devstack.free_port(),
        platform.persist_dir,
        platform.log_dir,
        registry=platform.registry,
    )
    try:
        devstack.wait_until_up(process, "/")
        with httpx.Client(base_url=process.url, timeout=30) as client:
            # the binding reaches the meter once the dev registry has told the probe where it is
            ready = eventually(
                lambda: client.post("/probe:ready/peek", json={"period": "2026-01-01"}).status_code,
                lambda status: status == 200,
            )
            assert ready == 200, "the probe never reached the meter"
            yield client
    finally:
        process.stop()


def operation(amount: int, operation_id: str, **extra: Any) -> dict[str, Any]:
    now = time.time()
    day = time.strftime("%Y-%m-%d", time.gmtime(now))
    return {
        "operation": operation_id,
        "amount": amount,
        "period": day[:8] + "01",
        "day": day,
        "window": int(now // 60),
        "at": int(now * 1000),
        "limit": 100,
        "windowLimit": 1000,
        "creditsCover": False,
        "labels": {"plan": "probe", "limit": 100},
        "snapshotKey": None,
        "flushSeconds": 30,
        "deadline": int((now + 30) * 1000),
        "idempotency": None,
        **extra,
    }


def send(probe: httpx.Client, subject: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    reply = probe.post(f"/{subject}/{path}", content=json.dumps(body))
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def test_an_operation_sent_again_counts_once_and_gets_its_first_answer(probe: httpx.Client) -> None:
    subject = f"probe:{secrets.token_hex(4)}"
    first_id, second_id = secrets.token_hex(12), secrets.token_hex(12)
    first = send(probe, subject, "meter", operation(3, first_id))
    assert first["decision"] == "counted" and first["used"] == 3 and first["windowCalls"] == 1
    later = send(probe, subject, "meter", operation(2, second_id))
    assert later["used"] == 5 and later["windowCalls"] == 2

    again = send(probe, subject, "meter", operation(3, first_id))  # the first one, retried
    counters = ("decision", "used", "calls", "units", "windowCalls", "credits", "held", "available", "limit")
    assert {name: again[name] for name in counters} == {name: first[name] for name in counters}
    assert again["labels"] == first["labels"] and again["period"] == first["period"]

    peeked = send(probe, subject, "peek", {"period": first["period"]})
    assert peeked["used"] == 5 and peeked["calls"] == 2  # counted once each


def test_an_operation_past_its_deadline_counts_nothing_unless_it_was_counted(probe: httpx.Client) -> None:
    subject = f"probe:{secrets.token_hex(4)}"
    counted_id = secrets.token_hex(12)
    counted = send(probe, subject, "meter", operation(1, counted_id))
    past = int((time.time() - 1) * 1000)
    retried = send(probe, subject, "meter", operation(1, counted_id, deadline=past))
    assert retried["decision"] == "counted" and retried["used"] == counted["used"] == 1  # its answer
    late = send(probe, subject, "meter", operation(1, secrets.token_hex(12), deadline=past))
    assert late["decision"] == "deadline_passed"
    assert send(probe, subject, "peek", {"period": counted["period"]})["used"] == 1
