#!/usr/bin/env python3
"""Assemble one worker's upload folder: build/<worker>/ = entry + worker package + dreamapi + deps.

Run by each worker's wrangler.toml [build] section (so `wrangler dev`/`deploy` build first),
or by hand: `python3 scripts/build.py api_multi`. Needs only the standard library and pip.
Dependencies are installed once per version of requirements/worker.lock into build/.deps/.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKERS = ("front_auth_api", "api_multi", "oauth_api", "gateway")
# Worker name -> source folder; the benchmark's baseline is built the same way as the workers.
SOURCES = {
    **{worker: ROOT / worker for worker in WORKERS},
    "bench_baseline": ROOT / "scripts" / "bench_baseline",
}
SHARED_PACKAGE = "dreamapi"
LOCK_FILE = ROOT / "requirements" / "worker.lock"
BUILD_ROOT = ROOT / "build"
# wrangler uploads every *.py (and *.txt/*.html/*.bin/*.wasm as other module types)
# under the entry's folder, so only Python sources go in.
PRUNED_DIRS = {"__pycache__", "tests", "test"}
CPYTHON_ONLY = {Path("dreamapi/runtime/cpython.py")}  # imports native `cryptography`
# Vendored sub-packages no worker code path imports. Every module in the bundle is loaded into
# the isolate at start-up, so these cost ~5 s of cold start for nothing: stripe/params holds
# request TypedDicts imported only under TYPE_CHECKING; stripe/events holds the classes of v2
# "thin" events (we parse v1 webhook payloads). scripts/check_bundle.py proves nothing left
# in the bundle imports them.
VENDORED_EXCLUDES = (Path("stripe/params"), Path("stripe/events"))


def _python_sources(folder: Path) -> list[Path]:
    """Python files under `folder`, without tests, caches and hidden folders: `wrangler dev`
    keeps copies of earlier bundles in <worker>/.wrangler/tmp/, which must never go in."""
    sources = []
    for directory, folders, files in os.walk(folder):
        folders[:] = [name for name in folders if name not in PRUNED_DIRS and not name.startswith(".")]
        sources.extend(Path(directory, name) for name in files if name.endswith(".py"))
    return sorted(sources)


def _copy_sources(source: Path, target: Path) -> None:
    for path in _python_sources(source):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, destination)


def dependencies_dir() -> Path:
    """Locked dependencies installed (once) for the worker runtime; shared by all workers."""
    digest = hashlib.sha256(LOCK_FILE.read_bytes()).hexdigest()[:16]
    target = BUILD_ROOT / ".deps" / digest
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix="deps-", dir=target.parent))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "--require-hashes",
            "--only-binary=:all:",
            "--no-compile",
            "--target",
            str(staging / "site"),
            "-r",
            str(LOCK_FILE),
        ],
        check=True,
    )
    pruned = staging / "pruned"
    _copy_sources(staging / "site", pruned)
    with contextlib.suppress(OSError):  # another build finished first; its result is identical
        os.rename(pruned, target)
    shutil.rmtree(staging, ignore_errors=True)
    return target


def _bundle_plan(worker: str) -> dict[Path, Path]:
    """Relative path in the bundle -> source file."""
    plan: dict[Path, Path] = {}
    deps = dependencies_dir()
    for source_root, prefix in (
        (deps, Path()),
        (ROOT / SHARED_PACKAGE, Path(SHARED_PACKAGE)),
        (SOURCES[worker], Path(worker)),
    ):
        for path in _python_sources(source_root):
            plan[prefix / path.relative_to(source_root)] = path
    plan[Path("entry.py")] = SOURCES[worker] / "entry.py"
    return {
        relative: source
        for relative, source in plan.items()
        if relative not in CPYTHON_ONLY and not any(relative.is_relative_to(p) for p in VENDORED_EXCLUDES)
    }


def build(worker: str) -> Path:
    """Syncs build/<worker>/ with the plan, writing only files whose content changed.

    `wrangler dev` watches this folder: an unchanged rebuild must touch nothing, or every
    build would restart the worker (and a folder swap would race wrangler's module scan).
    """
    if worker not in SOURCES:
        raise SystemExit(f"unknown worker {worker!r}; expected one of {', '.join(SOURCES)}")
    out = BUILD_ROOT / worker
    plan = _bundle_plan(worker)
    for relative, source in plan.items():
        target = out / relative
        content = source.read_bytes()
        if target.is_file() and target.read_bytes() == content:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")  # concurrent builds may run
        staging.write_bytes(content)
        os.replace(staging, target)
    for existing in sorted(out.rglob("*"), reverse=True):
        relative = existing.relative_to(out)
        if existing.is_file() and relative not in plan and not existing.name.endswith(".tmp"):
            existing.unlink(missing_ok=True)
        elif existing.is_dir() and not any(existing.iterdir()):
            with contextlib.suppress(OSError):  # another build may just have written into it
                existing.rmdir()
    return out


def gzipped_size(folder: Path) -> int:
    """Size of the folder's Python sources as one gzipped tar: close to what is uploaded."""
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz, tarfile.open(fileobj=gz, mode="w") as tar:
        for path in _python_sources(folder):
            tar.add(path, arcname=str(path.relative_to(folder)))
    return len(buffer.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workers", nargs="+", choices=(*SOURCES, "all"))
    parser.add_argument("--size", action="store_true", help="print each bundle's gzipped size")
    args = parser.parse_args()
    BUILD_ROOT.mkdir(exist_ok=True)
    for worker in WORKERS if "all" in args.workers else args.workers:
        out = build(worker)
        if args.size:
            print(f"{worker}: {gzipped_size(out) / 1024:.0f} KiB gzipped ({out.relative_to(ROOT)})")


if __name__ == "__main__":
    main()
