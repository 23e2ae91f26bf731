"""Deployability, validated offline: current wrangler's dry-run bundles, their imports and size,
and the provisioning, secrets and Stripe set-up scripts."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from scripts import check_bundle, provision, set_secrets, setup_stripe
from scripts.build import gzipped_size
from scripts.standins.stripe import DEFAULT_SECRET_KEY, StripeStandin
from scripts.wrangler_config import DEPLOY_ORDER, ENVIRONMENTS, METER, PLACEHOLDER_ID, ROOT, WORKERS

FAKE_WRANGLER = Path(__file__).with_name("fake_wrangler.py")
SIZE_BUDGET_BYTES = 3 * 1024 * 1024


@pytest.fixture(scope="module", params=ENVIRONMENTS)
def dry_run_bundles(request: pytest.FixtureRequest) -> tuple[str, dict[str, Path]]:
    env = request.param
    completed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "deploy.py"), "--env", env, "--dry-run"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    deployed = [line.split()[0] for line in completed.stdout.splitlines() if line.split()[:1]]
    assert deployed[: len(DEPLOY_ORDER)] == list(DEPLOY_ORDER)  # the meter before what binds it
    return env, {worker: ROOT / "build" / "deploy" / env / worker for worker in DEPLOY_ORDER}


def test_the_meter_bundle_exports_its_durable_object(dry_run_bundles: tuple[str, dict[str, Path]]) -> None:
    _, bundles = dry_run_bundles
    (bundle,) = bundles[METER].glob("*.js")
    source = bundle.read_text()
    for durable_object in ("UsageMeter", "WebhookOutbox", "ApiKeys"):  # the classes the migrations name
        assert f"{durable_object} = class extends DurableObject" in source
        assert re.search(rf"export \{{[^}}]*\b{durable_object}\b", source)
    print(f"\n{METER}: {bundle.stat().st_size / 1024:.1f} KiB of JavaScript")


def test_every_python_worker_binds_the_meter_of_its_environment() -> None:
    meter = tomllib.loads((ROOT / METER / "wrangler.toml").read_text())
    assert [m["new_sqlite_classes"] for m in meter["migrations"]] == [
        ["UsageMeter"],
        ["WebhookOutbox"],
        ["ApiKeys"],
    ]
    sections = {"": meter, **{env: meter["env"][env] for env in ENVIRONMENTS}}
    for section in sections.values():
        assert section["workers_dev"] is False  # reachable only through the binding
        bindings = [(b["name"], b["class_name"]) for b in section["durable_objects"]["bindings"]]
        assert bindings == [
            ("USAGE_METER", "UsageMeter"),
            ("WEBHOOK_OUTBOX", "WebhookOutbox"),
            ("API_KEYS", "ApiKeys"),
        ]
        assert [ns["binding"] for ns in section["kv_namespaces"]] == ["USAGE_KV"]
    expected = {
        "api_multi": [
            ("USAGE_METER", "UsageMeter"),
            ("API_KEYS", "ApiKeys"),
            ("WEBHOOK_OUTBOX", "WebhookOutbox"),
        ],
        "front_auth_api": [("USAGE_METER", "UsageMeter"), ("API_KEYS", "ApiKeys")],
        "gateway": [("USAGE_METER", "UsageMeter"), ("API_KEYS", "ApiKeys")],
    }
    for worker, classes in expected.items():
        config = tomllib.loads((ROOT / worker / "wrangler.toml").read_text())
        for env, section in {"": config, **{env: config["env"][env] for env in ENVIRONMENTS}}.items():
            bindings = section["durable_objects"]["bindings"]
            assert [(b["name"], b["class_name"]) for b in bindings] == classes, (worker, env)
            assert all(b["script_name"] == sections[env]["name"] for b in bindings), (worker, env)


@pytest.mark.parametrize("worker", WORKERS)
def test_dry_run_bundle_satisfies_every_import_and_fits_the_budget(
    dry_run_bundles: tuple[str, dict[str, Path]], worker: str
) -> None:
    env, bundles = dry_run_bundles
    bundle = bundles[worker]
    assert (bundle / "entry.py").is_file()
    assert check_bundle.problems(bundle) == []
    size = gzipped_size(bundle)
    modules = len(check_bundle.bundle_modules(bundle))
    print(f"\n{env}/{worker}: {size / 1024:.0f} KiB gzipped ({modules} modules)")
    assert size < SIZE_BUDGET_BYTES
    assert not (bundle / "dreamapi" / "runtime" / "cpython.py").exists()


def test_the_dashboard_build_has_no_dev_sign_in(dry_run_bundles: tuple[str, dict[str, Path]]) -> None:
    """The production build (made by the dry run) never contains the local identity provider."""
    bundle = "".join(path.read_text() for path in (ROOT / "frontend" / "dist" / "assets").glob("*.js"))
    assert "ClerkProvider" in bundle or "clerk" in bundle.lower()
    assert "local identity provider" not in bundle and "dreamapi.dev.identity" not in bundle
    assert (ROOT / "frontend" / "dist" / "_redirects").read_text().startswith("/*")


def test_the_import_check_notices_a_missing_module(
    dry_run_bundles: tuple[str, dict[str, Path]], tmp_path: Path
) -> None:
    _, bundles = dry_run_bundles
    copy = tmp_path / "bundle"
    shutil.copytree(bundles["api_multi"], copy)
    (copy / "jwt" / "api_jwt.py").unlink()
    (copy / "dreamapi" / "metering.py").unlink()
    found = check_bundle.problems(copy)
    assert any("'jwt.api_jwt'" in problem for problem in found)
    assert any("dreamapi.metering" in problem for problem in found)


def test_every_environment_is_complete_in_every_worker_config() -> None:
    for worker in WORKERS:
        config = tomllib.loads((ROOT / worker / "wrangler.toml").read_text())
        assert "python_workers" in config["compatibility_flags"]
        assert config["compatibility_date"] >= "2025-09-29"  # Python 3.13, Default(WorkerEntrypoint)
        assert config["build"]["command"].endswith(f"scripts/build.py {worker}")
        for env in ENVIRONMENTS:
            section = config["env"][env]
            assert section["name"].endswith(f"-{env}")
            assert section["vars"]["ENVIRONMENT"] == env
            assert {ns["binding"] for ns in section["kv_namespaces"]} == {"TOKENS_KV", "USAGE_KV"}
    pages = tomllib.loads((ROOT / "wrangler.toml").read_text())
    assert pages["pages_build_output_dir"] == "frontend/dist"


@pytest.fixture()
def fake_wrangler(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    state = tmp_path / "wrangler-state.json"
    monkeypatch.setenv("DREAMAPI_WRANGLER", f"{sys.executable} {FAKE_WRANGLER}")
    monkeypatch.setenv("FAKE_WRANGLER_STATE", str(state))
    return state


@pytest.fixture()
def config_copy(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for worker in DEPLOY_ORDER:
        (root / worker).mkdir(parents=True)
        shutil.copy2(ROOT / worker / "wrangler.toml", root / worker / "wrangler.toml")
    return root


def test_provision_dry_run_calls_nothing(fake_wrangler: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert provision.main(["--env", "production", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "dream-api-production-TOKENS_KV_preview" in out and "would find or create" in out
    assert not fake_wrangler.exists()


def test_provision_creates_once_and_writes_ids(fake_wrangler: Path, config_copy: Path) -> None:
    provision.main(["--env", "staging", "--workers-subdomain", "acme", "--root", str(config_copy)])
    state = json.loads(fake_wrangler.read_text())
    titles = sorted(ns["title"] for ns in state["namespaces"])
    assert titles == [
        "dream-api-staging-TOKENS_KV",
        "dream-api-staging-TOKENS_KV_preview",
        "dream-api-staging-USAGE_KV",
        "dream-api-staging-USAGE_KV_preview",
    ]
    ids = {ns["title"]: ns["id"] for ns in state["namespaces"]}
    for worker in DEPLOY_ORDER:
        config = tomllib.loads((config_copy / worker / "wrangler.toml").read_text())
        for namespace in config["env"]["staging"]["kv_namespaces"]:
            assert namespace["id"] == ids[f"dream-api-staging-{namespace['binding']}"]
            assert namespace["preview_id"] == ids[f"dream-api-staging-{namespace['binding']}_preview"]
        assert all(ns["id"] == PLACEHOLDER_ID for ns in config["env"]["production"]["kv_namespaces"])
    oauth = tomllib.loads((config_copy / "oauth_api" / "wrangler.toml").read_text())
    assert (
        oauth["env"]["staging"]["vars"]["OAUTH_PUBLIC_URL"]
        == "https://dream-api-oauth-staging.acme.workers.dev"
    )
    assert (
        "# Deployed environments" in (config_copy / "api_multi" / "wrangler.toml").read_text()
    )  # comments kept
    provision.main(["--env", "staging", "--root", str(config_copy)])  # again: finds, creates nothing
    again = json.loads(fake_wrangler.read_text())
    assert len(again["namespaces"]) == 4
    assert sum(call[:3] == ["kv", "namespace", "create"] for call in again["calls"]) == 4


def _all_secret_values(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    values = {}
    for worker, required in set_secrets.REQUIRED.items():
        for name, _ in required:
            value = f"value-of-{worker}-{name}"
            monkeypatch.setenv(f"{worker.upper()}__{name}", value)
            values[f"{worker}/{name}"] = value
    return values


def test_secrets_non_interactive_sets_every_value_through_stdin(
    fake_wrangler: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = _all_secret_values(monkeypatch)
    assert set_secrets.main(["--env", "production", "--non-interactive"]) == 0
    state = json.loads(fake_wrangler.read_text())
    got = {f"{s['worker']}/{s['name']}": s["value"] for s in state["secrets"]}
    assert got == expected
    assert all(s["env"] == "production" for s in state["secrets"])
    assert not any(value in json.dumps(state["calls"]) for value in expected.values())  # never in argv
    assert not any(value in capsys.readouterr().out for value in expected.values())  # never printed


def test_secrets_non_interactive_with_a_missing_value_sets_nothing(
    fake_wrangler: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _all_secret_values(monkeypatch)
    monkeypatch.delenv("OAUTH_API__GITHUB_CLIENT_SECRET")
    assert set_secrets.main(["--env", "staging", "--non-interactive"]) == 2
    assert "OAUTH_API__GITHUB_CLIENT_SECRET" in capsys.readouterr().err
    assert not fake_wrangler.exists()


def test_setup_stripe_makes_a_meter_and_a_metered_price_on_a_connected_account_once(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    standin = StripeStandin()
    standin.start()
    monkeypatch.setenv("STRIPE_SECRET_KEY", DEFAULT_SECRET_KEY)
    args = [
        "--api-base",
        standin.base_url,
        "--overage-account",
        "acct_dev1",
        "--meter-event-name",
        "api_units",
    ]
    try:
        assert setup_stripe.main([*args, "--unit-cents", "3", "--max-units", "500"]) == 0
        first = json.loads(capsys.readouterr().out.splitlines()[-1])["overage"]
        assert setup_stripe.main([*args, "--unit-cents", "3"]) == 0
        second = json.loads(capsys.readouterr().out.splitlines()[-1])["overage"]
    finally:
        standin.server.stop()
    (meter,) = standin.meters.values()
    assert (meter["account"], meter["event_name"]) == ("acct_dev1", "api_units")
    price = standin.prices[first["stripePriceId"]]
    assert price["account"] == "acct_dev1" and price["unit_amount"] == 3
    assert price["recurring"] == {"interval": "month", "usage_type": "metered", "meter": meter["id"]}
    assert first == {
        "stripePriceId": price["id"],
        "meterEventName": "api_units",
        "unitPriceCents": 3,
        "maxUnits": 500,
    }
    assert second["stripePriceId"] == first["stripePriceId"]  # found again, not made twice
    assert len([p for p in standin.prices.values() if p.get("account") == "acct_dev1"]) == 1


def test_setup_stripe_is_idempotent_against_the_stand_in(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    standin = StripeStandin()
    standin.start()
    standin.prices.clear()
    monkeypatch.setenv("STRIPE_SECRET_KEY", DEFAULT_SECRET_KEY)
    args = [
        "--api-base",
        standin.base_url,
        "--front-auth-url",
        "https://f.example",
        "--api-multi-url",
        "https://m.example",
        "--oauth-url",
        "https://o.example",
    ]
    try:
        assert setup_stripe.main(args) == 0
        first = capsys.readouterr().out
        assert setup_stripe.main(args) == 0
        second = capsys.readouterr().out
    finally:
        standin.server.stop()
    (price,) = standin.prices.values()
    assert (price["unit_amount"], price["recurring"], price["lookup_key"]) == (
        2900,
        {"interval": "month"},
        "dreamapi_monthly",
    )
    endpoints = {e["url"]: e for e in standin.webhook_endpoints.values()}
    assert set(endpoints) == {
        "https://f.example/webhook/stripe",
        "https://m.example/webhook/stripe",
        "https://o.example/webhook/stripe",
    }
    assert endpoints["https://m.example/webhook/stripe"]["connect"] is True
    assert endpoints["https://f.example/webhook/stripe"]["connect"] is False
    assert set(setup_stripe.PLATFORM_EVENTS) <= set(
        endpoints["https://f.example/webhook/stripe"]["enabled_events"]
    )
    assert "created" in first and first.count("STRIPE_WEBHOOK_SECRET=whsec_") == 3
    assert "found" in second and "whsec_" not in second
