#!/usr/bin/env bash
# Installs what the project needs, from the package registries only, and only when missing or
# out of date: Python 3.11+ venv with the locked dev dependencies, and the locked npm packages
# (the pinned wrangler 3.92.0 with its workerd, and current wrangler for deploys).
# Run by `make dev`, `make test` and `make deploy`; `scripts/bootstrap.sh bench` (make bench) also
# installs Debian's wrk, the load generator of the benchmark.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_install() {
  echo "bootstrap: installing Debian packages: $*"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

python_ok() { command -v python3 >/dev/null && python3 -c 'import sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }
python_ok || apt_install python3 python3-venv python3-pip
python_ok || { echo "bootstrap: Python >= 3.11 with venv is required" >&2; exit 1; }
command -v node >/dev/null && command -v npm >/dev/null || apt_install nodejs npm
command -v make >/dev/null || apt_install make

stamp() { sha256sum "$@" | sha256sum | cut -c1-16; }

want=$(stamp requirements/dev.lock)
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.stamp 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: creating .venv from requirements/dev.lock"
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements/dev.lock
  echo "$want" > .venv/.stamp
fi

npm_install() {  # folder [binary]: npm ci when its lock changed since the last install
  local want binary=${2:-wrangler}
  want=$(stamp "$1/package.json" "$1/package-lock.json")
  if [ ! -x "$1/node_modules/.bin/$binary" ] || [ "$(cat "$1/node_modules/.stamp" 2>/dev/null)" != "$want" ]; then
    echo "bootstrap: installing npm packages from $1/package-lock.json"
    (cd "$1" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" > "$1/node_modules/.stamp"
  fi
}
npm_install .               # wrangler 3.92.0: local dev and runtime tests (offline Python workers)
npm_install scripts/deploy  # current wrangler: deploy, and the deploy dry-run tests
npm_install frontend vite   # the dashboard (Vite + React)
npm_install clients/typescript tsc  # the TypeScript SDK (built and tested by make test)

# The dashboard's end-to-end tests drive Debian's Chromium through Playwright (a browser
# download of Playwright's own cannot work without internet).
command -v chromium >/dev/null || apt_install chromium

if [ "${1:-}" = "bench" ]; then
  command -v wrk >/dev/null || apt_install wrk
fi
