"""The Python half of prepaid credits: what is asked of the meter object, how its answers become
responses, and credit-pack validation. The object's arithmetic is exercised in workerd."""

from __future__ import annotations

from typing import Any

import pytest

from api_multi.credit_packs import CreditPack, validate_credit_packs
from api_multi.usage_routes import units_of
from dreamapi.credit_ledger import GRANT, Credits, fingerprint
from dreamapi.errors import ApiError
from dreamapi.http import Headers, Request
from dreamapi.meter_terms import MeterSubject, MeterTerms
from dreamapi.metering import UsageMeter
from dreamapi.ports.meter import MeterUnavailableError
from tests.unit.test_metering import NOV_15, SUBJECT, WALL, ScriptedMeter, counted, meter

ENTRY = {"kind": "grant", "units": 50, "reason": "welcome", "day": "", "at": 1_795_000_000_000, "balance": 50}


def ledger_of(port: ScriptedMeter) -> Credits:
    return Credits(meter(port))


async def grant(port: ScriptedMeter, units: int = 50) -> Any:
    return await ledger_of(port).change(
        SUBJECT, units=units, kind=GRANT, reason="welcome", reference="grant:k1", fingerprint="f1", now=NOV_15
    )


async def test_a_change_sends_its_reference_and_fingerprint_and_reads_the_entry() -> None:
    port = ScriptedMeter({"decision": "applied", "replayed": False, "balance": 50, "entry": ENTRY})
    change = await grant(port)
    subject, operation, payload, _ = port.sent[0]
    assert (subject, operation) == ("end-user:plt_x:u1", "credit")
    assert (payload["reference"], payload["fingerprint"], payload["units"]) == ("grant:k1", "f1", 50)
    assert payload["at"] == int(NOV_15 * 1000) and payload["deadline"] == int((WALL + 3.0) * 1000)
    # the dashboards' snapshot carries the balance: a change is flushed like a count
    assert payload["snapshotKey"] == "usage:plt_x:u1" and payload["flushSeconds"] == 30
    assert change.balance == 50 and not change.replayed
    assert change.entry.to_json() == {
        "kind": "grant",
        "units": 50,
        "reason": "welcome",
        "at": "2026-11-18T11:06:40Z",
        "balanceAfter": 50,
    }


async def test_a_removal_beyond_the_balance_is_409_with_the_balance() -> None:
    with pytest.raises(ApiError) as raised:
        await grant(ScriptedMeter({"decision": "insufficient_credits", "balance": 7}), units=-10)
    assert raised.value.status == 409 and raised.value.error == "insufficient_credits"
    assert raised.value.body()["creditsBalance"] == 7


async def test_a_reference_reused_with_other_parameters_is_422() -> None:
    with pytest.raises(ApiError) as raised:
        await grant(ScriptedMeter({"decision": "conflict", "balance": 7}))
    assert raised.value.status == 422


@pytest.mark.parametrize(
    "answer",
    [MeterUnavailableError("down"), {"decision": "deadline_passed"}, {"decision": "applied", "balance": "x"}],
)
async def test_anything_but_a_clear_answer_is_503(answer: Any) -> None:
    with pytest.raises(ApiError) as raised:
        await grant(ScriptedMeter(answer))
    assert raised.value.status == 503 and "retry-after" in raised.value.headers


async def test_a_statement_lists_usage_entries_with_their_day() -> None:
    usage = {
        "kind": "usage",
        "units": -3,
        "reason": "calls",
        "day": "2026-11-15",
        "at": 1_795_000_000_000,
        "balance": 47,
    }
    port = ScriptedMeter({"balance": 47, "entries": [usage, ENTRY]})
    statement = await ledger_of(port).statement(SUBJECT, entries=10)
    assert port.sent[0][1:3] == ("ledger", {"entries": 10})
    assert statement.to_json()["balance"] == 47
    assert statement.to_json()["entries"][0] == {
        "kind": "usage",
        "units": -3,
        "reason": "calls",
        "at": "2026-11-18T11:06:40Z",
        "date": "2026-11-15",
        "balanceAfter": 47,
    }


async def test_a_call_sends_its_units_and_may_spend_credits() -> None:
    port = ScriptedMeter(counted(used=12, limit=10, creditsUsed=2, credits=48, units=3))
    terms = MeterTerms("free", 10, 100, credits_cover=True)
    call = await UsageMeter.record_call(meter(port), SUBJECT, terms, now=NOV_15, units=3)
    payload = port.sent[0][2]
    assert (payload["amount"], payload["creditsCover"]) == (3, True)
    assert (call.units, call.usage.credits, call.usage.remaining) == (3, 48, 0)


async def test_a_call_neither_the_month_nor_the_credits_cover_is_403_with_the_balance() -> None:
    port = ScriptedMeter(counted(decision="limit_reached", used=10, limit=10, credits=2, units=5))
    with pytest.raises(ApiError) as raised:
        await meter(port).record_call(
            SUBJECT, MeterTerms("free", 10, 100, credits_cover=True), now=NOV_15, units=5
        )
    assert raised.value.status == 403 and raised.value.body()["creditsBalance"] == 2
    developer = MeterSubject("developer:u1")
    port = ScriptedMeter(counted(decision="limit_reached", used=5, credits=0))
    with pytest.raises(ApiError) as raised:  # no credits for subjects they do not apply to
        await meter(port).record_call(developer, MeterTerms("free", 5, 100), now=NOV_15)
    assert "creditsBalance" not in raised.value.body()


def _request(body: bytes, content_type: str | None = "application/json") -> Request:
    headers = Headers({"content-type": content_type} if content_type else {})
    return Request.from_url("POST", "/api/data", headers, body)


@pytest.mark.parametrize(
    ("body", "content_type", "units"),
    [
        (b"", None, 1),
        (b'{"units": 30}', "application/json", 30),
        (b"{}", "application/json", 1),
        (b'{"units": 1000000}', "application/json", 1_000_000),
        (b"raw payload of the developer's own", "text/plain", 1),
    ],
)
def test_units_of_a_call(body: bytes, content_type: str | None, units: int) -> None:
    assert units_of(_request(body, content_type)) == units


@pytest.mark.parametrize("value", ["0", "-1", "1000001", '"3"', "1.5", "true", "null", "[1]"])
def test_bad_units_are_400_invalid_units(value: str) -> None:
    with pytest.raises(ApiError) as raised:
        units_of(_request(f'{{"units": {value}}}'.encode()))
    assert (raised.value.status, raised.value.error) == (400, "invalid_units")


def test_credit_packs_are_validated_like_tiers_every_problem_listed() -> None:
    packs, problems = validate_credit_packs(
        {
            "packs": [
                {"name": "small", "units": 1000, "priceCents": 500},
                {"name": "big", "units": 10_000, "priceCents": 4000, "currency": "eur"},
            ]
        }
    )
    assert problems == [] and packs == (
        CreditPack("small", 1000, 500),
        CreditPack("big", 10_000, 4000, "eur"),
    )
    assert validate_credit_packs({"packs": []}) == ((), [])
    _, problems = validate_credit_packs(
        {
            "packs": [
                {
                    "name": "Bad Name",
                    "units": 0,
                    "priceCents": 10,
                    "currency": "EUR",
                    "stripePriceId": "x",
                    "extra": 1,
                },
                {"name": "a", "units": 1, "priceCents": 50},
                {"name": "a", "units": 1, "priceCents": 50},
            ]
        }
    )
    assert len(problems) == 7, problems
    assert any("unknown fields: extra" in p for p in problems) and any("unique" in p for p in problems)
    assert validate_credit_packs({"packs": "no"})[1] == ["'packs' must be a list"]


def test_fingerprints_are_stable_and_order_free() -> None:
    assert fingerprint({"a": 1, "b": 2}) == fingerprint({"b": 2, "a": 1}) != fingerprint({"a": 2, "b": 2})
