#!/usr/bin/env python3
"""Creates (or finds) the KV namespaces of one environment and writes their ids into the
wrangler.toml of every worker that binds them (the three Python workers and usage_meter).
Idempotent: namespaces are found by title, so re-running creates nothing.

  python scripts/provision.py --env production [--workers-subdomain SUB] [--dry-run]

Titles: dream-api-{env}-{TOKENS_KV|USAGE_KV} and the same with `_preview` (preview_id).
--workers-subdomain fills in oauth_api's OAUTH_PUBLIC_URL (https://dream-api-oauth-{env}.{SUB}.workers.dev).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.wrangler_config import DEPLOY_ORDER, ENVIRONMENTS, ROOT, WorkerConfig, run_wrangler

BINDINGS = ("TOKENS_KV", "USAGE_KV")


def title(env: str, binding: str, preview: bool = False) -> str:
    return f"dream-api-{env}-{binding}" + ("_preview" if preview else "")


def existing_namespaces(workdir: Path) -> dict[str, str]:
    listed = json.loads(run_wrangler(["kv", "namespace", "list"], cwd=workdir) or "[]")
    return {item["title"]: item["id"] for item in listed}


def provision(
    env: str, root: Path, dry_run: bool, workers_subdomain: str | None
) -> dict[str, dict[str, str]]:
    # wrangler prefixes titles with the worker name when it finds a wrangler.toml; an empty
    # working directory keeps our titles exactly as given.
    workdir = Path(tempfile.mkdtemp(prefix="dreamapi-provision-"))
    ids: dict[str, dict[str, str]] = {}
    if dry_run:
        print("[dry-run] would list KV namespaces (wrangler kv namespace list)")
        for binding in BINDINGS:
            for preview in (False, True):
                flag = " --preview" if preview else ""
                print(
                    f"[dry-run] would find or create '{title(env, binding, preview)}' "
                    f"(wrangler kv namespace create {title(env, binding)}{flag})"
                )
        for worker in DEPLOY_ORDER:
            print(f"[dry-run] would write the namespace ids into {worker}/wrangler.toml [env.{env}]")
        if workers_subdomain:
            print(
                f"[dry-run] would set OAUTH_PUBLIC_URL = https://dream-api-oauth-{env}.{workers_subdomain}.workers.dev"
            )
        return ids
    found = existing_namespaces(workdir)
    for binding in BINDINGS:
        for preview in (False, True):
            name = title(env, binding, preview)
            if name in found:
                print(f"found   {name} = {found[name]}")
                continue
            args = ["kv", "namespace", "create", title(env, binding)] + (["--preview"] if preview else [])
            run_wrangler(args, cwd=workdir)
            found = existing_namespaces(workdir)
            if name not in found:
                raise SystemExit(f"wrangler reported success but no namespace titled {name} exists")
            print(f"created {name} = {found[name]}")
        ids[binding] = {"id": found[title(env, binding)], "preview_id": found[title(env, binding, True)]}
    for worker in DEPLOY_ORDER:
        config = WorkerConfig(root, worker)
        for binding, pair in ids.items():
            config.set_kv_ids(env, binding, pair["id"], pair["preview_id"])
        if worker == "oauth_api" and workers_subdomain:
            config.set_var(
                env, "OAUTH_PUBLIC_URL", f"https://dream-api-oauth-{env}.{workers_subdomain}.workers.dev"
            )
        config.save()
        print(f"wrote   {worker}/wrangler.toml [env.{env}]")
    return ids


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", choices=ENVIRONMENTS, required=True)
    parser.add_argument("--dry-run", action="store_true", help="print what would be done; call nothing")
    parser.add_argument("--workers-subdomain", help="your <SUB>.workers.dev subdomain")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    provision(args.env, args.root, args.dry_run, args.workers_subdomain)
    return 0


if __name__ == "__main__":
    sys.exit(main())
