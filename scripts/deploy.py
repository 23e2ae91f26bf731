#!/usr/bin/env python3
"""Builds and deploys the usage meter, the three workers and the dashboard to one environment,
then prints URLs.

  python scripts/deploy.py --env production            (make deploy ENV=production)
  python scripts/deploy.py --env staging --dry-run     (bundles into build/deploy/<env>/<worker>)

Uses the current wrangler pinned in scripts/deploy/ (the top-level 3.92.0 is for local dev).
The usage meter first (its migration creates the Durable Object class the others bind; it has
no public URL), then api_multi, front_auth_api and oauth_api, then the dashboard, built with the
workers' URLs, to the Pages project named in the top-level wrangler.toml.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.wrangler_config import DEPLOY_ORDER, ENVIRONMENTS, METER, ROOT, WorkerConfig, run_wrangler

WORKER_URL = re.compile(r"https://[A-Za-z0-9.-]+\.workers\.dev")
PAGES_URL = re.compile(r"https://[A-Za-z0-9.-]+\.pages\.dev")
DASHBOARD_DIST = ROOT / "frontend" / "dist"
URL_VARIABLES = {
    "api_multi": "VITE_API_MULTI_URL",
    "front_auth_api": "VITE_FRONT_AUTH_API_URL",
    "oauth_api": "VITE_OAUTH_API_URL",
    "gateway": "VITE_GATEWAY_URL",
}


def bundle_dir(env: str, worker: str) -> Path:
    return ROOT / "build" / "deploy" / env / worker


def deploy_worker(worker: str, env: str, dry_run: bool) -> str | None:
    args = ["deploy", "--env", env, "--config", str(ROOT / worker / "wrangler.toml")]
    if dry_run:
        out = bundle_dir(env, worker)
        shutil.rmtree(out, ignore_errors=True)
        args += ["--dry-run", "--outdir", str(out)]
    output = run_wrangler(args, cwd=ROOT / worker)
    match = WORKER_URL.search(output)
    return match.group(0) if match else None


def build_dashboard(worker_urls: dict[str, str | None]) -> None:
    """Builds the dashboard into frontend/dist with the workers' URLs."""
    frontend = ROOT / "frontend"
    shutil.rmtree(DASHBOARD_DIST, ignore_errors=True)
    if (frontend / "package.json").exists():
        env = {**os.environ, **{URL_VARIABLES[w]: url for w, url in worker_urls.items() if url}}
        if not (frontend / "node_modules" / ".bin" / "vite").exists():
            subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=frontend, check=True)
        subprocess.run(["npm", "run", "build"], cwd=frontend, check=True, env=env)  # type-checks, then builds
        return
    DASHBOARD_DIST.mkdir(parents=True)
    for page in frontend.glob("*.html"):
        shutil.copy2(page, DASHBOARD_DIST / page.name)


def deploy_dashboard(env: str) -> str | None:
    project = tomllib.loads((ROOT / "wrangler.toml").read_text())["name"]
    branch = "main" if env == "production" else env
    output = run_wrangler(
        ["pages", "deploy", str(DASHBOARD_DIST), "--project-name", project, "--branch", branch], cwd=ROOT
    )
    match = PAGES_URL.search(output)
    return match.group(0) if match else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", choices=ENVIRONMENTS, required=True)
    parser.add_argument(
        "--dry-run", action="store_true", help="bundle only (wrangler deploy --dry-run --outdir)"
    )
    args = parser.parse_args(argv)
    if not args.dry_run:
        missing = {w: WorkerConfig(ROOT, w).unprovisioned(args.env) for w in DEPLOY_ORDER}
        if any(missing.values()):
            print(
                f"KV namespaces of '{args.env}' are not provisioned: run "
                f"python scripts/provision.py --env {args.env}  ({missing})",
                file=sys.stderr,
            )
            return 2
    urls: dict[str, str | None] = {}
    for worker in DEPLOY_ORDER:
        url = deploy_worker(worker, args.env, args.dry_run)
        if worker != METER:
            urls[worker] = url
        where = f"bundled into {bundle_dir(args.env, worker)}" if args.dry_run else (url or "deployed")
        print(f"{worker:<15} {where}")
    build_dashboard(urls)
    if args.dry_run:
        print(f"dashboard       built into {DASHBOARD_DIST} (not deployed: dry run)")
        return 0
    print(f"dashboard       {deploy_dashboard(args.env)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
