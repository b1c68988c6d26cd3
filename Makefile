# Two commands do everything on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 3000
ENV := source scripts/env.sh &&
# Login redirects come back to the address the portal is served on.
export CBS_MONITOR_BASE_URL ?= http://$(HOST):$(PORT)

# `make run-production`: PostgreSQL, Redis, two portal nodes and nginx on PORT (deploy/README.md).
.PHONY: run run-production test-production test install test-deps bench bench-desk bench-rush unit e2e postgres clean lint

# The venv is (re)installed when pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

run: install
	$(ENV) cbs-monitor migrate
	$(ENV) cbs-monitor seed-demo --if-empty
	$(ENV) exec reflex run --env prod --frontend-port $(PORT) --backend-port $(PORT) --backend-host $(HOST)

run-production: install
	exec bash scripts/run-production.sh

test-deps: install
	@bash scripts/ensure-test-deps.sh

# Browser tests run in their own pytest process: sync Playwright keeps an event loop running
# that would clash with the asyncio tests of the scheduler. Then the database-facing tests once
# more on PostgreSQL, the production database; the validation worker on a Redis queue; last the
# production topology: the card's flows in the browser (the `smoke` marker; all of them in
# `make test-production`) and under failure (tests/production).
test: test-deps
	@rc=0; \
	$(ENV) python -m pytest -q --ignore=tests/e2e --ignore=tests/production || rc=1; \
	$(ENV) python -m pytest -q tests/e2e || rc=1; \
	bash scripts/test-postgres.sh || rc=1; \
	bash scripts/test-redis.sh || rc=1; \
	$(ENV) CBS_E2E_TOPOLOGY=production python -m pytest -q -m smoke tests/e2e || rc=1; \
	$(ENV) python -m pytest -q -p no:randomly tests/production || rc=1; \
	exit $$rc

# The whole browser suite against the production topology (two nodes behind nginx, PostgreSQL,
# Redis), then its failure tests.
test-production: test-deps
	@rc=0; \
	$(ENV) CBS_E2E_TOPOLOGY=production python -m pytest -q tests/e2e || rc=1; \
	$(ENV) python -m pytest -q -p no:randomly tests/production || rc=1; \
	exit $$rc

unit: install
	$(ENV) python -m pytest -q --ignore=tests/e2e --ignore=tests/production

e2e: test-deps
	$(ENV) python -m pytest -q tests/e2e

postgres: install
	bash scripts/test-postgres.sh

bench: install
	test -x bench/.venv/bin/python || (python3 -m venv bench/.venv && bench/.venv/bin/pip install -q -r bench/requirements.txt)
	$(ENV) python bench/run.py

# The last hour of a window against the real servers (bench/rush.py): the bare Reflex app alone,
# then the embedded portal and the production topology, each with 50 max-size files in 10 s
# through the API while 50 signed-in websocket sessions browse; then production with node1
# killed halfway (nothing lost, nothing twice).
bench-rush: install
	$(ENV) python bench/rush.py --kill

# The CBS desk and the reminder-day query with 50 000 deliveries in a period (target < 150 ms).
bench-desk: install
	$(ENV) CBS_MONITOR_JOB_QUEUE=immediate python bench/desk_scale.py

# Ruff (lint and format), mypy (configured in pyproject.toml) and the import layers.
lint: install
	$(ENV) ruff check .
	$(ENV) ruff format --check .
	$(ENV) mypy
	$(ENV) lint-imports

clean:
	rm -rf .web .web-* .states test-artifacts
