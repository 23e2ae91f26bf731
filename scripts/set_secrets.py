#!/usr/bin/env python3
"""Sets each worker's secrets (and account-specific settings) with `wrangler secret put`.

  python scripts/set_secrets.py --env production [--non-interactive] [--dry-run]

Each value comes from the environment: `<WORKER>__<NAME>` (e.g. API_MULTI__STRIPE_WEBHOOK_SECRET)
or, for values shared by several workers, plain `<NAME>`; otherwise it is asked for (hidden
input). --non-interactive fails, setting nothing, when a value is missing. Values reach
wrangler on stdin and are never printed.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.wrangler_config import ENVIRONMENTS, ROOT, WORKERS, run_wrangler

CLERK_APP = ("CLERK_JWKS_URL", "CLERK_ISSUER", "CLERK_AUTHORIZED_PARTIES")
# Per worker: (name, is_secret). Non-secret settings are account-specific, so they are stored
# the same way instead of being committed to wrangler.toml.
REQUIRED: dict[str, tuple[tuple[str, bool], ...]] = {
    "front_auth_api": (
        *((name, False) for name in CLERK_APP),
        ("CLERK_SECRET_KEY", True),
        ("STRIPE_SECRET_KEY", True),
        ("STRIPE_PRICE_ID", False),
        ("STRIPE_WEBHOOK_SECRET", True),
    ),
    "api_multi": (
        *((name, False) for name in CLERK_APP),  # developers' dashboard calls its developer routes
        *((f"CUSTOMER_{name}", False) for name in CLERK_APP),
        ("CUSTOMER_CLERK_SECRET_KEY", True),  # end users joining a portal (publicMetadata.platformId)
        ("STRIPE_SECRET_KEY", True),
        (
            "GATEWAY_ENCRYPTION_KEY",
            True,
        ),  # seals the gateway's upstream headers (same value as the gateway's)
        ("GATEWAY_PUBLIC_URL", False),  # where end users reach the gateway, e.g. https://gw.example.com
        ("STRIPE_WEBHOOK_SECRET", True),
    ),
    "gateway": (
        ("GATEWAY_ENCRYPTION_KEY", True),  # the same value as api_multi's: it opens what api_multi sealed
        ("GATEWAY_OWN_DOMAINS", False),  # your domains, never an upstream (comma separated)
    ),
    "oauth_api": (
        *((name, False) for name in CLERK_APP),
        ("STRIPE_SECRET_KEY", True),
        ("STRIPE_CLIENT_ID", False),
        ("STRIPE_WEBHOOK_SECRET", True),
        ("GITHUB_CLIENT_ID", False),
        ("GITHUB_CLIENT_SECRET", True),
    ),
}


def value_from_environment(worker: str, name: str) -> str | None:
    return os.environ.get(f"{worker.upper()}__{name}") or os.environ.get(name) or None


def collect(interactive: bool) -> tuple[dict[tuple[str, str], str], list[str]]:
    values: dict[tuple[str, str], str] = {}
    missing: list[str] = []
    for worker in WORKERS:
        for name, secret in REQUIRED[worker]:
            value = value_from_environment(worker, name)
            if value is None and interactive:
                prompt = f"{worker} {name}{' (hidden)' if secret else ''}: "
                value = (getpass.getpass(prompt) if secret else input(prompt)).strip() or None
            if value is None:
                missing.append(f"{worker.upper()}__{name} (or {name})")
            else:
                values[(worker, name)] = value
    return values, missing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", choices=ENVIRONMENTS, required=True)
    parser.add_argument(
        "--non-interactive", action="store_true", help="never prompt; fail if a value is missing"
    )
    parser.add_argument("--dry-run", action="store_true", help="list what would be set; set nothing")
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    interactive = not args.non_interactive and sys.stdin.isatty()
    values, missing = collect(interactive)
    if missing:
        print("missing values (set these environment variables):\n  " + "\n  ".join(missing), file=sys.stderr)
        return 2
    for (worker, name), value in values.items():
        if args.dry_run:
            print(f"[dry-run] would set {worker} {name} (env {args.env})")
            continue
        config = str(args.root / worker / "wrangler.toml")
        run_wrangler(
            ["secret", "put", name, "--env", args.env, "--config", config], cwd=args.root, stdin=value
        )
        print(f"set {worker} {name} (env {args.env})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
