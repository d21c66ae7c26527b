# FleetOps: the README's commands. Everything a fresh machine needs is set up here.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test bench serve lint format clean venv venv-dev

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@ $(STAMP)

venv: $(STAMP)
venv-dev: $(DEV_STAMP)

## make run: set up and start FleetOps with its demo data on SQLite (http://127.0.0.1:8000)
run: venv
	scripts/run.sh

## make test: ruff, migrations check, pytest on SQLite and a throwaway PostgreSQL, browser tests
test: venv-dev
	scripts/test.sh

## make bench: benchmarks at scale on a throwaway PostgreSQL (prints a table, writes bench/results.json)
bench: venv-dev
	scripts/with-postgres.sh scripts/bench.sh

## make serve: production topology, gunicorn + django-q2 cluster on $$DATABASE_URL
serve: venv
	scripts/serve.sh

lint: venv-dev
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: venv-dev
	$(VENV)/bin/ruff check --fix . && $(VENV)/bin/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
