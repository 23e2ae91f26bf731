"""The OpenAPI documents cannot drift from the routes."""

from __future__ import annotations

import importlib
import json

import pytest

from dreamapi.openapi import document_path
from scripts import openapi as openapi_script
from scripts.build import ROOT, WORKERS


@pytest.mark.parametrize("worker", WORKERS)
def test_every_route_is_documented_and_every_documented_operation_is_a_route(worker: str) -> None:
    app = importlib.import_module(f"{worker}.app").create_app()
    routes = {(route.method.lower(), document_path(route.pattern)) for route in app.router.routes}
    undocumented = [(r.method, r.pattern) for r in app.router.routes if r.operation is None]
    assert undocumented == []
    committed = json.loads((ROOT / worker / "openapi.json").read_text())
    documented = {(method, path) for path, item in committed["paths"].items() for method in item}
    assert documented == routes
    for path, item in committed["paths"].items():
        for method, operation in item.items():
            assert operation["responses"]["default"]["content"]["application/json"]["schema"]["required"] == [
                "error",
                "message",
            ], (method, path)


def test_committed_documents_match_the_routes() -> None:
    assert openapi_script.main(["--check"]) == 0


def test_the_check_notices_a_stale_document(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(openapi_script, "ROOT", tmp_path)
    for worker in WORKERS:
        (tmp_path / worker).mkdir()
        (tmp_path / worker / "openapi.json").write_text(openapi_script.generated(worker))
    assert openapi_script.main(["--check"]) == 0
    (tmp_path / "oauth_api" / "openapi.json").write_text("{}")
    assert openapi_script.main(["--check"]) == 1
