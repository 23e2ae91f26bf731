# The two commands (see README): `make dev` runs the platform locally, `make test` runs every test.
.PHONY: dev test bootstrap build lint deploy bench fuzz report

dev: bootstrap
	.venv/bin/python scripts/dev.py

test: bootstrap
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/python -m pytest

bootstrap:
	@scripts/bootstrap.sh

build: bootstrap
	.venv/bin/python scripts/build.py all --size

lint: bootstrap
	.venv/bin/ruff check . && .venv/bin/ruff format --check .

# Deploying (README "Deploy"): current wrangler from scripts/deploy/package-lock.json.
ENV ?= staging
deploy: bootstrap
	.venv/bin/python scripts/deploy.py --env $(ENV)

# Benchmark (README "Benchmarks"): installs wrk (Debian) for itself, writes BENCHMARKS.md and
# BENCHMARKS.json; not part of `make test`.
bench: bootstrap
	@scripts/bootstrap.sh bench
	.venv/bin/python scripts/bench.py

# A longer fuzz run than the one in `make test` (500 examples per operation instead of 25).
fuzz: bootstrap
	FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/runtime/test_fuzz.py -q -s

# Counted vs sent under concurrency, and the per-minute limit under a burst (a printed table).
report: bootstrap
	.venv/bin/python scripts/concurrency_report.py
