"""Reading and editing the workers' wrangler.toml files (comments kept), and running wrangler."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from pathlib import Path

import tomlkit
from tomlkit.items import AoT, Table

ROOT = Path(__file__).resolve().parent.parent
WORKERS = ("api_multi", "front_auth_api", "oauth_api", "gateway")  # the Python workers
METER = "usage_meter"  # the Durable Object worker they bind
DEPLOY_ORDER = (METER, *WORKERS)  # the meter first: its migration creates the class they bind
ENVIRONMENTS = ("staging", "production")
PLACEHOLDER_ID = "provision-me"
DEPLOY_WRANGLER = ROOT / "scripts" / "deploy" / "node_modules" / ".bin" / "wrangler"


def wrangler_command() -> list[str]:
    """Current wrangler for Cloudflare-side commands; DREAMAPI_WRANGLER overrides (tests use a fake)."""
    override = os.environ.get("DREAMAPI_WRANGLER")
    return override.split() if override else [str(DEPLOY_WRANGLER)]


def run_wrangler(args: Sequence[str], *, cwd: Path, stdin: str | None = None) -> str:
    completed = subprocess.run(
        [*wrangler_command(), *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env={**os.environ, "WRANGLER_SEND_METRICS": "false"},
    )
    if completed.returncode != 0:
        raise SystemExit(
            f"wrangler {args[0]} {args[1] if len(args) > 1 else ''} failed:\n{completed.stderr[-2000:]}"
        )
    return completed.stdout


class WorkerConfig:
    def __init__(self, root: Path, worker: str) -> None:
        self.worker = worker
        self.path = root / worker / "wrangler.toml"
        self.document = tomlkit.parse(self.path.read_text())

    def _env(self, env: str) -> Table:
        return self.document["env"][env]  # type: ignore[index,return-value]

    def kv_namespaces(self, env: str) -> AoT:
        return self._env(env)["kv_namespaces"]  # type: ignore[return-value]

    def set_kv_ids(self, env: str, binding: str, namespace_id: str, preview_id: str | None) -> bool:
        for namespace in self.kv_namespaces(env):
            if namespace["binding"] == binding:
                changed = namespace.get("id") != namespace_id or namespace.get("preview_id") != preview_id
                namespace["id"] = namespace_id
                if preview_id:
                    namespace["preview_id"] = preview_id
                return changed
        return False

    def unprovisioned(self, env: str) -> list[str]:
        return [str(ns["binding"]) for ns in self.kv_namespaces(env) if ns.get("id") == PLACEHOLDER_ID]

    def set_var(self, env: str, name: str, value: str) -> None:
        self._env(env)["vars"][name] = value  # type: ignore[index]

    def var(self, env: str, name: str) -> str | None:
        value = self._env(env).get("vars", {}).get(name)
        return str(value) if value is not None else None

    def save(self) -> None:
        self.path.write_text(tomlkit.dumps(self.document))
