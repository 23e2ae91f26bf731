"""The TypeScript SDK (clients/typescript, `@dream-api/client`): its types are generated from the
committed OpenAPI document and type-check; its own tests (Node's test runner, TypeScript compiled by
tsc) run against the real platform in workerd: metering, quota and rate refusals, a retry after a
dropped connection that counts once, reservations (settled once, released by `withReservation`
when the work throws or never settles, retried reserves and settles holding and counting once),
keys, credits, and the Express and Hono middlewares; and the package `npm pack` makes installs
into an empty project and imports there."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import httpx
import pytest

from scripts.local_platform import Platform
from tests.runtime.helpers import put_tiers, register

pytestmark = pytest.mark.runtime

PACKAGE = Path(__file__).resolve().parents[2] / "clients" / "typescript"
FREE_LIMIT = 3  # the numbers clients/typescript/test/helpers.ts expects
BURST_RATE = 3
TIERS = [
    {"name": "free", "limit": FREE_LIMIT, "rateLimit": 100, "default": True},
    {"name": "big", "limit": 1_000_000, "rateLimit": 1000},
    {"name": "burst", "limit": 1000, "rateLimit": BURST_RATE},
]


def _run(args: list[str], cwd: Path = PACKAGE, env: dict[str, str] | None = None, timeout: int = 300) -> str:
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def built() -> Path:
    """dist/ (the package) and dist-test/ (the compiled tests), built from the sources."""
    assert (PACKAGE / "node_modules" / ".bin" / "tsc").exists(), (
        "clients/typescript/node_modules is missing: run scripts/bootstrap.sh"
    )
    _run(["npm", "run", "--silent", "build"])
    _run(["npm", "run", "--silent", "build:test"])
    return PACKAGE / "dist"


def test_the_generated_types_match_the_openapi_document_and_the_sdk_type_checks(built: Path) -> None:
    # (the tests type-check against the package's own declarations in dist/: hence `built`)
    _run(["npm", "run", "--silent", "gen:api:check"])
    _run(["npm", "run", "--silent", "typecheck"])


def test_the_sdk_tests_pass_against_the_platform(
    built: Path, platform: Platform, api_multi: httpx.Client
) -> None:
    platform_id, api_key = register(api_multi)
    reply = put_tiers(api_multi, api_key, TIERS)
    assert reply.status_code == 200, reply.text
    compiled = (PACKAGE / "dist-test" / "test").glob("*.test.js")
    tests = sorted(str(path.relative_to(PACKAGE)) for path in compiled)
    assert len(tests) >= 5, tests
    env = {
        **os.environ,
        "DREAMAPI_BASE_URL": platform.workers["api_multi"].url,
        "DREAMAPI_API_KEY": api_key,
        "DREAMAPI_PLATFORM_ID": platform_id,
    }
    done = subprocess.run(
        ["node", "--test", "--test-reporter=spec", *tests],
        cwd=PACKAGE,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, f"node --test failed:\n{done.stdout}\n{done.stderr}"
    # the spec reporter's summary: "<info sign> tests 31", "… pass 31", "… fail 0", …
    counts = {name: int(n) for name, n in re.findall(r"^\S+ (\w+) (\d+)$", done.stdout, re.MULTILINE)}
    print(counts)  # `pytest -s` shows what ran
    assert counts["fail"] == counts["cancelled"] == 0 and counts["pass"] == counts["tests"], counts
    assert "withReservation" in done.stdout, "the reservation tests did not run"


CONSUMER = """
import { Conflict, DreamApi, DreamApiError, QuotaExceeded, RateLimited, ReservationFinished }
  from "@dream-api/client";
import { metered as expressMetered } from "@dream-api/client/express";
import { metered as honoMetered } from "@dream-api/client/hono";
const api = new DreamApi({ apiKey: "dream_live_x", baseUrl: "http://127.0.0.1:9" });
if (!(new QuotaExceeded({ status: 403, code: "Tier limit reached", message: "m",
      body: { count: 3, limit: 3, plan: "free" } }) instanceof DreamApiError)) throw new Error("classes");
if (typeof api.meter !== "function" || typeof RateLimited !== "function") throw new Error("exports");
if (typeof api.reserve !== "function" || typeof api.withReservation !== "function") {
  throw new Error("reserve");
}
if (!(new ReservationFinished({ status: 409, code: "reservation_expired", message: "m", body: {} })
      instanceof Conflict)) throw new Error("ReservationFinished");
if (typeof expressMetered(api, { userId: () => "u" }) !== "function") throw new Error("express");
if (typeof honoMetered(api, { userId: () => "u" }) !== "function") throw new Error("hono");
console.log("imported " + api.baseUrl);
"""

TYPED_CONSUMER = """
import { DreamApi, QuotaExceeded, type Metered, type Reservation, type SettledResponse,
  type UsageResponse } from "@dream-api/client";
const api = new DreamApi({ apiKey: "dream_live_x" });
export async function settle(user: string): Promise<SettledResponse> {
  const held: Reservation = await api.reserve(user, { units: 500, ttlSeconds: 60 });
  return held.settle(held.units - held.usage.held);
}
export async function count(user: string): Promise<number> {
  try {
    const metered: Metered = await api.meter(user, { units: 2 });
    const usage: UsageResponse = await api.usage(user);
    return metered.usage.count + usage.usage.remaining;
  } catch (error) {
    if (error instanceof QuotaExceeded) return error.limit;
    throw error;
  }
}
"""


def test_the_packed_package_installs_into_an_empty_project_and_imports(built: Path, tmp_path: Path) -> None:
    pack = ["npm", "pack", "--json", "--ignore-scripts", "--pack-destination", str(tmp_path)]
    packed = json.loads(_run(pack))
    files = {entry["path"] for entry in packed[0]["files"]}
    assert {"package.json", "README.md", "dist/index.js", "dist/index.d.ts"} <= files, files
    assert {"dist/express.d.ts", "dist/hono.d.ts", "dist/generated/api_multi.d.ts"} <= files, files
    assert all(path in {"package.json", "README.md"} or path.startswith("dist/") for path in files), files
    tarball = tmp_path / packed[0]["filename"]

    project = tmp_path / "consumer"
    project.mkdir()
    _run(["npm", "init", "-y"], cwd=project)
    _run(["npm", "install", "--offline", "--no-audit", "--no-fund", str(tarball)], cwd=project)
    installed = project / "node_modules" / "@dream-api" / "client"
    assert (installed / "dist" / "index.d.ts").exists()
    assert not (project / "node_modules" / "express").exists(), "optional peer dependencies stay out"
    assert not (project / "node_modules" / "hono").exists(), "optional peer dependencies stay out"
    out = _run(["node", "--input-type=module", "-e", CONSUMER], cwd=project)
    assert out.strip() == "imported http://127.0.0.1:9"

    # its declarations resolve through `exports` for a TypeScript consumer (Node16 resolution)
    (project / "consumer.mts").write_text(TYPED_CONSUMER)
    tsc = str(PACKAGE / "node_modules" / ".bin" / "tsc")
    options = ["--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022"]
    _run([tsc, "--noEmit", *options, "--lib", "es2022,dom", "consumer.mts"], cwd=project)
