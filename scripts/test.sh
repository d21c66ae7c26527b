#!/usr/bin/env bash
# make test: lint, migrations check, the whole suite on SQLite and on a throwaway
# PostgreSQL, then the browser tests. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export DJANGO_SETTINGS_MODULE=tests.settings
PYTEST_WORKERS="${PYTEST_WORKERS:-2}"

step() { printf '\n==> %s\n' "$*"; }

step "ruff (lint and format check)"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

step "makemigrations --check"
$PY manage.py makemigrations --check --dry-run

step "pytest on SQLite"
$PY -m pytest -m "not browser" -n "$PYTEST_WORKERS" -q "$@"

step "pytest on PostgreSQL (throwaway cluster)"
scripts/with-postgres.sh $PY -m pytest -m "not browser" -n "$PYTEST_WORKERS" -q "$@"

step "browser tests (Playwright + Debian Chromium)"
if scripts/ensure-chromium.sh; then
  $PY -m pytest -m browser -q -p no:xdist "$@"
elif [ "${CI:-}" = "true" ]; then
  echo "Chromium is missing and could not be installed: browser tests cannot run in CI." >&2
  exit 1
else
  echo "SKIPPED: browser tests need Debian's chromium at /usr/bin/chromium (apt-get install chromium)." >&2
fi
