"""The dashboard's API types are generated from the committed OpenAPI documents
(frontend/src/generated/, `npm run gen:api`): a route change whose documents were regenerated
but whose types were not fails here, and so does dashboard code that no longer type-checks."""

from __future__ import annotations

import subprocess
from pathlib import Path

FRONTEND = Path(__file__).resolve().parents[2] / "frontend"


def _npm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["npm", *args], cwd=FRONTEND, capture_output=True, text=True, timeout=300)


def test_the_generated_api_types_match_the_openapi_documents() -> None:
    checked = _npm("run", "--silent", "gen:api:check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_dashboard_type_checks() -> None:
    checked = _npm("run", "--silent", "typecheck")
    assert checked.returncode == 0, checked.stdout + checked.stderr
