"""The Python half of reservations: what Reservations asks the meter object, and how each answer
becomes a reservation or the API's error. The object itself runs in workerd (tests/runtime)."""

from __future__ import annotations

from typing import Any

import pytest

from dreamapi.errors import ApiError
from dreamapi.meter_terms import MeterSubject, MeterTerms
from dreamapi.metering import UsageMeter
from dreamapi.ports.meter import MeterUnavailableError
from dreamapi.reservations import Reservations, require_reservation_id
from tests.unit.test_metering import NOV_15, WALL, ScriptedMeter, counted

SUBJECT = MeterSubject("end-user:plt_x:u1", snapshot_key="usage:plt_x:u1")
TERMS = MeterTerms("free", 100, 60, credits_cover=True)
RID = "rsv_" + "a" * 24


def hold(**fields: Any) -> dict[str, Any]:
    return {
        "id": RID,
        "units": 30,
        "state": "held",
        "expiresAt": 1_800_000_300_000,
        "createdAt": 1_800_000_000_000,
        **fields,
    }


def reservations(port: ScriptedMeter) -> Reservations:
    return Reservations(UsageMeter(port, timeout_seconds=3.0, flush_seconds=30, wall_clock=lambda: WALL))


async def test_a_reservation_asks_for_a_hold_until_ttl_seconds_from_now_in_real_time() -> None:
    port = ScriptedMeter(counted(decision="held", held=30, available=70, hold=hold()))
    step = await reservations(port).reserve(SUBJECT, TERMS, units=30, ttl_seconds=300, now=NOV_15)
    subject, operation, payload, _ = port.sent[0]
    assert (subject, operation, payload["amount"]) == ("end-user:plt_x:u1", "reserve", 30)
    require_reservation_id(payload["hold"]["id"])
    assert payload["hold"]["expiresAt"] == int(
        (WALL + 300) * 1000
    )  # the object's clock, not the metering one
    assert (
        payload["creditsCover"] is True and payload["windowLimit"] == 60 and payload["period"] == "2026-11-01"
    )
    assert (step.reservation.status, step.reservation.units, step.usage.held) == ("held", 30, 30)
    assert step.reservation.to_json()["expiresAt"] == "2027-01-15T08:05:00Z"
    assert step.headers()["x-ratelimit-limit"] == "100"


async def test_a_refused_reservation_says_what_is_held_and_available() -> None:
    port = ScriptedMeter(
        counted(decision="limit_reached", used=40, limit=100, held=55, available=5, credits=0)
    )
    with pytest.raises(ApiError) as raised:
        await reservations(port).reserve(SUBJECT, TERMS, units=10, ttl_seconds=60, now=NOV_15)
    body = raised.value.body()
    assert raised.value.status == 403 and body["error"] == "Tier limit reached"
    assert (body["count"], body["held"], body["available"], body["creditsBalance"]) == (40, 55, 5, 0)


async def test_a_settle_sends_the_units_and_reads_the_shortfall() -> None:
    settled = hold(state="settled", settledUnits=25, requestedUnits=30, finishedAt=1_800_000_010_000)
    port = ScriptedMeter(counted(decision="settled", units=25, shortfall=5, hold=settled))
    step = await reservations(port).settle(SUBJECT, TERMS, RID, units=30, now=NOV_15)
    assert port.sent[0][1] == "settle" and (port.sent[0][2]["holdId"], port.sent[0][2]["amount"]) == (RID, 30)
    assert step.shortfall == 5 and step.reservation.to_json()["settledUnits"] == 25


@pytest.mark.parametrize(
    ("operation", "answer", "status", "error"),
    [
        (
            "settle",
            {
                "decision": "settled_otherwise",
                "hold": hold(state="settled", settledUnits=3, requestedUnits=3),
            },
            409,
            "reservation_settled",
        ),
        ("settle", {"decision": "released", "hold": hold(state="released")}, 409, "reservation_released"),
        ("settle", {"decision": "expired", "hold": hold(state="expired")}, 409, "reservation_expired"),
        (
            "release",
            {"decision": "settled", "hold": hold(state="settled", settledUnits=3, requestedUnits=3)},
            409,
            "reservation_settled",
        ),
        ("release", {"decision": "expired", "hold": hold(state="expired")}, 409, "reservation_expired"),
        ("settle", {"decision": "not_found"}, 404, "reservation_not_found"),
        ("release", {"decision": "not_found"}, 404, "reservation_not_found"),
        ("settle", {"decision": "deadline_passed"}, 503, "meter_unavailable"),
        ("settle", {"decision": "settled", "hold": {"id": RID}}, 503, "meter_unavailable"),
        ("release", MeterUnavailableError("down"), 503, "meter_unavailable"),
    ],
)
async def test_every_other_answer_is_the_documented_error(
    operation: str, answer: Any, status: int, error: str
) -> None:
    steps = reservations(ScriptedMeter(answer))
    with pytest.raises(ApiError) as raised:
        if operation == "settle":
            await steps.settle(SUBJECT, TERMS, RID, units=3, now=NOV_15)
        else:
            await steps.release(SUBJECT, TERMS, RID, now=NOV_15)
    assert (raised.value.status, raised.value.error) == (status, error)
    if status == 409:
        assert raised.value.body()["reservation"]["id"] == RID
    if status == 503:
        assert raised.value.headers["retry-after"]


@pytest.mark.parametrize("raw", ["rsv_", "rsv_" + "g" * 24, "RSV_" + "a" * 24, "rsv_" + "a" * 25, "../x"])
def test_malformed_ids_are_400(raw: str) -> None:
    with pytest.raises(ApiError) as raised:
        require_reservation_id(raw)
    assert (raised.value.status, raised.value.error) == (400, "invalid_reservation_id")
