"""Schemathesis against each worker in workerd, with valid credentials from the stand-ins.

Every generated request must get a documented, schema-conforming answer (never a 5xx), and no
answer may contain a key, token or secret. Bounded by FUZZ_EXAMPLES per operation; a longer
run: FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/runtime/test_fuzz.py
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.specs.openapi.checks import positive_data_acceptance

from scripts.local_platform import Platform
from scripts.standins.stripe import (
    DEFAULT_ACCOUNTS_WEBHOOK_SECRET,
    DEFAULT_CONNECT_WEBHOOK_SECRET,
    DEFAULT_SECRET_KEY,
    DEFAULT_WEBHOOK_SECRET,
)

pytestmark = pytest.mark.runtime

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
STORAGE_BUSY_RETRIES = 3
FUZZ_SETTINGS = settings(
    max_examples=FUZZ_EXAMPLES,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)


@dataclass
class Credentials:
    api_key: str
    developer_token: str
    end_user_token: str

    def secrets(self) -> list[str]:
        return [
            self.api_key,
            self.developer_token,
            self.end_user_token,
            DEFAULT_SECRET_KEY,
            DEFAULT_WEBHOOK_SECRET,
            DEFAULT_CONNECT_WEBHOOK_SECRET,
            DEFAULT_ACCOUNTS_WEBHOOK_SECRET,
            "sk_test_clerk_local_stand_in",
        ]

    def headers_for(self, case: Any) -> dict[str, str]:
        security = case.operation.definition.raw.get("security", [])
        schemes = {name for requirement in security for name in requirement}
        if "apiKey" in schemes:
            headers = {"authorization": f"Bearer {self.api_key}"}
            if "endUserSession" in schemes and "X-User-Id" not in (case.headers or {}):
                headers["X-User-Id"] = "fuzz_user"  # with an API key, X-User-Id names the end user
            return headers
        if "endUserSession" in schemes:
            return {"authorization": f"Bearer {self.end_user_token}"}
        if "developerSession" in schemes:
            return {"authorization": f"Bearer {self.developer_token}"}
        return {}


@pytest.fixture(scope="session")
def credentials(platform: Platform) -> Credentials:
    with platform.client("api_multi") as api_multi:
        registered = api_multi.post(
            "/api/developer/register", json={"email": f"fuzz-{secrets.token_hex(4)}@x.io"}
        )
    platform_id = registered.json()["platformId"]
    developer = platform.developer_token("user_fuzz_" + secrets.token_hex(4), expires_in=3600)
    with platform.client("front_auth_api") as front:
        front.post("/generate-credentials", headers={"authorization": f"Bearer {developer}"})
    end_user = platform.customer_identity.issue(
        "fuzz_end_user", public_metadata={"platformId": platform_id}, expires_in=3600
    )
    return Credentials(registered.json()["apiKey"], developer, end_user)


def _schema(platform: Platform, worker: str) -> Any:
    url = platform.workers[worker].url
    document = httpx.get(f"{url}/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document)
    schema.config.update(base_url=url)
    return schema


def _local_storage_busy(response: Any) -> bool:
    """Local KV, one SQLite file shared by several processes (workers, meter, bridge), sometimes
    answers SQLITE_BUSY; the worker then says 503 storage_unavailable with Retry-After, as it must.
    A client retries that; so do these tests, a few times, and then check the answer it got."""
    if response.status_code != 503 or "retry-after" not in response.headers:
        return False
    try:
        return bool(response.json().get("error") == "storage_unavailable")
    except ValueError:
        return False


def _call(send: Callable[[], Any]) -> Any:
    response = send()
    for _ in range(STORAGE_BUSY_RETRIES):
        if not _local_storage_busy(response):
            break
        time.sleep(0.5)
        response = send()
    return response


def _exercise(case: Any, credentials: Credentials) -> None:
    headers = {**(case.headers or {}), **credentials.headers_for(case)}
    response = _call(lambda: case.call(headers=headers, allow_redirects=False))
    # Excluded: "schema-valid data must be accepted". Business rules the schema cannot state
    # (X-User-Plan must name one of the platform's *stored* tiers; a tier needs a Stripe price to
    # be bought) answer 400 with the documented Error body. Every other check runs.
    case.validate_response(response, headers=headers, excluded_checks=[positive_data_acceptance])
    for secret in credentials.secrets():
        assert secret not in response.text, f"{case.operation.label} leaked a secret"
        assert all(secret not in value for value in response.headers.values())


@pytest.mark.parametrize("worker", ["api_multi", "front_auth_api", "oauth_api"])
def test_every_operation_conforms_to_the_openapi_document(
    platform: Platform, credentials: Credentials, worker: str
) -> None:
    schema = _schema(platform, worker)
    generated = 0
    for result in schema.get_all_operations():
        operation = result.ok()

        @FUZZ_SETTINGS
        @given(case=operation.as_strategy())
        def fuzz(case: Any) -> None:
            nonlocal generated
            generated += 1
            _exercise(case, credentials)

        fuzz()
    print(f"\n{worker}: {generated} generated cases")
    assert generated > 0


def _revoke_the_keys_fuzzing_made(platform: Platform, credentials: Credentials) -> None:
    """Back to one active key (the fuzzer's own): the platform's key limit would otherwise turn
    creates into 409s part-way through a run, and Hypothesis needs each example to start alike."""
    own_id = "key_" + hashlib.sha256(credentials.api_key.encode()).hexdigest()[:24]
    auth = {"authorization": f"Bearer {credentials.api_key}"}
    with platform.client("api_multi") as api_multi:
        for key in api_multi.get("/api/developer/keys", headers=auth).json()["keys"]:
            if key["id"] != own_id and key["revokedAt"] is None:
                assert api_multi.delete(f"/api/developer/keys/{key['id']}", headers=auth).status_code == 200


@pytest.mark.parametrize("worker", ["api_multi", "front_auth_api"])
def test_stateful_sequences_follow_the_documented_links(
    platform: Platform, credentials: Credentials, worker: str
) -> None:
    """Schemathesis' state machine chains calls through the OpenAPI links (store tiers → read
    them back; rotate the key → show the credentials) with the same checks."""
    schema = _schema(platform, worker)
    base = schema.as_state_machine()
    steps = 0

    class Workflow(base):  # type: ignore[misc,valid-type]
        def call(self, case: Any, **kwargs: Any) -> Any:
            return _call(lambda: super(Workflow, self).call(case, **kwargs))

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {
                "headers": {**(case.headers or {}), **credentials.headers_for(case)},
                "allow_redirects": False,
            }

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            nonlocal steps
            steps += 1
            # The headers actually sent: our credentials are explicit auth, not generated.
            headers = {**(case.headers or {}), **credentials.headers_for(case)}
            case.validate_response(response, headers=headers, excluded_checks=[positive_data_acceptance])
            for secret in credentials.secrets():
                assert secret not in response.text

        def before_call(self, case: Any) -> None:
            # A new email per signup: a replayed example must sign up again, not meet 409
            # email_taken (Hypothesis needs each replay to take the same path).
            body = case.body
            email = body.get("email") if isinstance(body, dict) else None
            if case.path == "/api/developer/register" and isinstance(email, str):
                case.body = {**body, "email": f"{secrets.token_hex(4)}{email}"}
            super().before_call(case)

        def teardown(self) -> None:
            _revoke_the_keys_fuzzing_made(platform, credentials)
            super().teardown()

    _revoke_the_keys_fuzzing_made(platform, credentials)
    run_state_machine_as_test(
        Workflow,
        settings=settings(
            max_examples=FUZZ_EXAMPLES,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    print(f"\n{worker}: {steps} stateful steps")
    assert steps > 0
