# The two commands (see README): `make dev` runs the platform locally, `make test` runs every test.
.PHONY: dev test bootstrap build lint

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
