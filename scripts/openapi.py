#!/usr/bin/env python3
"""Writes each worker's OpenAPI document, generated from its routes, to <worker>/openapi.json,
then the TypeScript types generated from them: the dashboard's (frontend/src/generated/) and the
TypeScript SDK's (clients/typescript/src/generated/), with `npm run gen:api` in each.

python scripts/openapi.py            # regenerate
python scripts/openapi.py --check    # fail when a committed document differs from the routes
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from scripts.build import ROOT, WORKERS


def generated(worker: str) -> str:
    app = importlib.import_module(f"{worker}.app").create_app()
    return json.dumps(app.openapi_document(), indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    stale = []
    for worker in WORKERS:
        path = ROOT / worker / "openapi.json"
        text = generated(worker)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    if not args.check:
        for package in ("frontend", "clients/typescript"):
            subprocess.run(["npm", "run", "--silent", "gen:api"], cwd=ROOT / package, check=True)
    if stale:
        print(f"out of date (run scripts/openapi.py): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
