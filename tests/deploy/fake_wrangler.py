"""A stand-in for the `wrangler` CLI's account-side commands, for testing our deploy scripts
without a Cloudflare account. State lives in the JSON file named by FAKE_WRANGLER_STATE."""

from __future__ import annotations

import json
import os
import secrets
import sys
from pathlib import Path


def main() -> int:
    state_path = Path(os.environ["FAKE_WRANGLER_STATE"])
    state = (
        json.loads(state_path.read_text())
        if state_path.exists()
        else {"namespaces": [], "secrets": [], "calls": []}
    )
    args = sys.argv[1:]
    state["calls"].append(args)
    if args[:3] == ["kv", "namespace", "list"]:
        print(json.dumps(state["namespaces"], indent=2))
    elif args[:3] == ["kv", "namespace", "create"]:
        title = args[3] + ("_preview" if "--preview" in args else "")
        if any(ns["title"] == title for ns in state["namespaces"]):
            print(f'A KV namespace with the title "{title}" already exists.', file=sys.stderr)
            return 1
        state["namespaces"].append({"id": secrets.token_hex(16), "title": title})
        print(f'Creating namespace with title "{title}"')
    elif args[:2] == ["secret", "put"]:
        config = args[args.index("--config") + 1]
        state["secrets"].append(
            {
                "worker": Path(config).parent.name,
                "name": args[2],
                "env": args[args.index("--env") + 1],
                "value": sys.stdin.read(),
            }
        )
        print(f"Success! Uploaded secret {args[2]}")
    else:
        print(f"fake wrangler does not know {' '.join(args)}", file=sys.stderr)
        return 1
    state_path.write_text(json.dumps(state))
    return 0


if __name__ == "__main__":
    sys.exit(main())
