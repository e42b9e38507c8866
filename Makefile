# School CRM: every command installs what it needs first (uv from PyPI when missing).
SHELL := /bin/bash
PYTHON ?= python3
export UV_PYTHON_DOWNLOADS := never
# Trust the machine's certificate store (uv otherwise uses only its bundled roots).
export UV_SYSTEM_CERTS := 1
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.tools/bin/uv)
RUN := $(UV) run --frozen --all-packages
PYTEST_ARGS ?=

.PHONY: install run test test-unit test-e2e test-faults test-fuzz bench lint format schemas clean services-up

$(CURDIR)/.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv>=0.13,<0.14"

.venv/.installed: uv.lock pyproject.toml $(wildcard */pyproject.toml */*/pyproject.toml) | $(UV)
	$(UV) sync --frozen --all-packages
	touch $@

install: .venv/.installed

run: install
	$(RUN) python -m crm_devrun

services-up:
	bash deploy/local/ensure-services.sh

test: install services-up
	$(RUN) pytest libs services gateway deploy $(PYTEST_ARGS)
	$(RUN) pytest tests-e2e --ignore=tests-e2e/faults --ignore=tests-e2e/fuzz $(PYTEST_ARGS)

test-unit: install services-up
	$(RUN) pytest libs services gateway deploy $(PYTEST_ARGS)

test-e2e: install services-up
	$(RUN) pytest tests-e2e --ignore=tests-e2e/faults --ignore=tests-e2e/fuzz $(PYTEST_ARGS)

# The distributed system under load while the broker, connections and services fail.
test-faults: install services-up
	$(RUN) pytest tests-e2e/faults -s $(PYTEST_ARGS)

# Schemathesis over the gateway's merged API document (a session of its own: its bad
# sign-ins must not slow the other tests' sign-ins from this address).
test-fuzz: install services-up
	$(RUN) pytest tests-e2e/fuzz -s $(PYTEST_ARGS)

bench: install services-up
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; } || \
		echo "bench: wrk not installed; the gateway bench falls back to a Python load generator"
	$(RUN) python tests-e2e/bench/run.py

lint: install
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy libs/*/src services/*/src gateway/src deploy/devrun/src

format: install
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

schemas: install
	$(RUN) python -m crm_contracts.snapshot

clean:
	rm -rf var .venv .tools
