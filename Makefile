# Relational Assurance: the front door. `make run` to try it, `make test` to check it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# The suite runs on every core (pytest-xdist), each test file kept on one worker so module-wide
# fixtures (the permission matrix's world, rendered PDFs) are built once. TEST_WORKERS=0 runs
# it in one process.
TEST_WORKERS ?= auto

.PHONY: help install run test lint format bench clean

help:
	@echo "make run     install, migrate, load frameworks and demo data, start worker and server"
	@echo "make test    install anything missing and run the whole test suite"
	@echo "make lint    ruff check, ruff format --check, makemigrations --check"
	@echo "make bench   every performance figure as one JSON line (QUICK=1: a reduced run)"
	@echo "make drill   backup and restore drill on PostgreSQL (docs/operations.md)"

# Python environment: rebuilt when pyproject.toml changes.
$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

# Front-end assets: GOV.UK Frontend from npm, compiled with the system font stack.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

static/build/app.css: node_modules/.installed static/src/app.scss static/src/build.mjs
	npm run --silent build

# System packages the suite needs: a browser for end-to-end tests, HarfBuzz subsetting for
# WeasyPrint, poppler for looking at PDFs. Installed with apt-get only when missing.
SYSTEM_PACKAGES := chromium libharfbuzz-subset0 poppler-utils
.system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing system packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

install: $(VENV)/.installed static/build/app.css

run: install
	$(MANAGE) migrate --noinput
	$(MANAGE) import_framework fixtures/*.yaml
	$(MANAGE) seed_demo
	$(MANAGE) collectstatic --noinput --verbosity 0
	@echo "Coordinator and commissioners: after the password, enter the code from $(MANAGE) demo_code EMAIL"
	@echo "Starting the task worker and the server on http://$(HOST):$(PORT)/ (Ctrl+C stops both)"
	@trap 'kill 0' EXIT INT TERM; \
	  $(MANAGE) db_worker --queue-name '*' & \
	  $(MANAGE) runserver $(HOST):$(PORT)

test: install .system-packages
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# -- benchmark: databases beside yours (bench/.data/ or <db>_bench_*), pages, PDF, matcher,
# load; one JSON line, also in artifacts/bench.json (docs/performance.md) --
bench: install
	$(MANAGE) benchmark $(if $(QUICK),--quick)

# -- operations: the backup and restore drill (ops/drill.sh starts PostgreSQL as .ci/run does;
# it uses its own database, assurance_drill, and a temporary media folder) --
.PHONY: drill
drill: install
	ops/drill.sh

clean:
	rm -rf $(VENV) node_modules static/build staticfiles .pytest_cache
