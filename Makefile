# Two commands do all set-up on a fresh machine: `make demo` and `make test`.
# Everything is installed into ./.venv by these targets; nothing is assumed to be on the machine
# but Python 3.11.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home
PYTEST_ARGS ?=
# Two pytest-xdist workers (the CI machines have two cores); tests sharing the demo run stay on one.
PYTEST_WORKERS ?= 2
BENCH_ARGS ?=

.PHONY: demo demo-catalog test ui docs validate bench clean help production postgres-server

help:
	@echo "make demo     copy the bundled demo app (last complete week x every scope) into ./mgdc_data, build its week"
	@echo "make demo-catalog  copy one day of every dataset of the MGDC catalog into ./mgdc_data_catalog"
	@echo "make test     run the whole test suite"
	@echo "make ui       open the Dagster UI on http://127.0.0.1:3000 (demo mode, like make demo)"
	@echo "make docs     serve the documentation site on http://127.0.0.1:8000 (docs/, mkdocs.yml)"
	@echo "make validate check the spec in \$$MGDC_SPEC (or the bundled demo)"
	@echo "make bench    benchmarks of the copy path, Graph reads and the control plane, each ratio quiet and with one core busy (BENCH_ARGS=--quick: smaller inputs, fewer runs)"
	@echo "make production  Dagster on a local PostgreSQL (webserver + daemon, demo mode) until Ctrl-C"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps re-install when the project's dependencies or its C sources change (the install
# builds the landing source's native checker in place; setuptools calls its pyproject.toml
# entry experimental, which is all that warning would say).
NATIVE_SOURCES := $(shell find mgdc_pipelines -name '*.c')
INSTALL := PYTHONWARNINGS="ignore:\`[tool.setuptools.ext-modules]\`" $(BIN)/python -m pip install --quiet

$(VENV)/.installed: pyproject.toml $(NATIVE_SOURCES) | $(BIN)/python
	$(INSTALL) -e '.[ml,readers]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(NATIVE_SOURCES) | $(BIN)/python
	$(INSTALL) -e '.[dev,ml]'
	touch $(VENV)/.installed $@

# DEMO MODE: the demo and the UI trust the bundled demo admin key (its private half is public, so
# an approval signed with it proves nothing). A real deployment lists its admins' keys in
# MGDC_TRUSTED_ADMIN_KEYS instead.
demo: $(VENV)/.installed
	MGDC_DEMO_MODE=1 $(BIN)/mgdc-pipelines demo

# Every dataset of the MGDC catalog, one day of each, from a 40-person synthetic tenant.
demo-catalog: $(VENV)/.installed
	MGDC_DEMO_MODE=1 $(BIN)/mgdc-pipelines demo --spec mgdc_pipelines/specs/catalog.yaml --days 1

# The Azure Storage emulator (npm `azurite`, pinned in package.json) for the Azure sink tests.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# PostgreSQL's server for the production profile and its tests, found where the project looks for
# it (mgdc_pipelines/launch/postgres.py); else Debian's package, installed when we may (root,
# apt-get); otherwise this fails saying what to install. Never skipped.
postgres-server: $(VENV)/.installed
	@$(BIN)/python -m mgdc_pipelines.launch.postgres >/dev/null 2>&1 && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing PostgreSQL's server (apt-get install postgresql)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi; \
	$(BIN)/python -m mgdc_pipelines.launch.postgres >/dev/null

test: $(VENV)/.installed-dev node_modules/.installed postgres-server
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

ui: $(VENV)/.installed
	@mkdir -p "$(DAGSTER_HOME)"
	@test -f "$(DAGSTER_HOME)/dagster.yaml" || printf 'telemetry:\n  enabled: false\n' > "$(DAGSTER_HOME)/dagster.yaml"
	MGDC_DEMO_MODE=1 $(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

# The production profile on this machine: PostgreSQL in ./.postgres (kept between starts), the
# instance in its own DAGSTER_HOME (never the dev instance `make ui` uses), webserver + daemon on
# http://127.0.0.1:3000. Demo mode, like `make ui`, so the bundled demo spec runs out of the box.
PRODUCTION_DAGSTER_HOME ?= $(CURDIR)/.dagster_home_production
production: $(VENV)/.installed postgres-server
	DAGSTER_HOME="$(PRODUCTION_DAGSTER_HOME)" MGDC_DEMO_MODE=1 $(BIN)/mgdc-pipelines production

validate: $(VENV)/.installed
	$(BIN)/mgdc-pipelines validate

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	touch $(VENV)/.installed $@

# `make docs` serves the site with live reload; the test suite builds it with --strict.
docs: $(VENV)/.installed-docs
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve -a 127.0.0.1:8000

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $(VENV)/.installed $(VENV)/.installed-dev $@

# Writes benchmarks/results/latest.json; `make bench BENCH_ARGS="--quick"` passes options on.
bench: $(VENV)/.installed-bench postgres-server
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

clean:
	rm -rf $(VENV) node_modules .dagster_home .mgdc_state mgdc_data mgdc_quarantine *.egg-info
