# One command to set up and serve (make run), one to set up and test (make test).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# make run: DEBUG off unless asked (DEBUG=1 make run); the demo server's own key when none is set.
DEBUG ?= 0
DEMO_SECRET_KEY := demo-only-secret-key-not-for-production-iscg-conventions-2026
STAMP := $(VENV)/.installed
UV := $(VENV)/bin/uv
# Test workers (pytest-xdist): one per core; PYTEST_WORKERS=0 runs the suite in one process.
PYTEST_WORKERS ?= auto

.PHONY: run worker test install migrate demo lint format typecheck bench clean

# Installs through uv (installed into the venv from the registry: several times faster than pip
# on a fresh clone); pip when uv cannot be had or fails.
$(STAMP): pyproject.toml
	@PYTHON=$$(scripts/find-python) || exit 1; \
	if [ ! -x $(PY) ]; then echo "Création de $(VENV) avec $$PYTHON"; $$PYTHON -m venv $(VENV); fi
	@if [ -x $(UV) ] || $(PY) -m pip install --quiet uv >/dev/null 2>&1; then \
		$(UV) pip install --quiet --python $(PY) -e '.[dev,prod]' && exit 0; \
		echo "L'installation avec uv a échoué : installation avec pip"; \
	fi; \
	$(PY) -m pip install --quiet --upgrade pip && $(PY) -m pip install --quiet -e '.[dev,prod]'
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

# The demo seal certificate (self-signed, "sans valeur juridique") is created when missing;
# the signed demo conventions get their final document, sealed by the worker.
demo: migrate
	$(PY) manage.py seal_certificate --demo
	$(PY) manage.py load_demo
	$(PY) manage.py seal_signed_documents

# The demo as users see it: DEBUG off (the product's French error pages, not Django's debugging
# pages); DEBUG=1 make run to debug. --insecure: runserver still serves the static files.
# Beside the web server, the task worker (e-mails, PDFs, archives, daily reminders), with the
# same settings.
run: demo
	@echo "Serveur : http://127.0.0.1:$(PORT)/  (Ctrl+C pour arrêter)"
	DEBUG=$(DEBUG) SECRET_KEY=$${SECRET_KEY:-$(DEMO_SECRET_KEY)} PY=$(PY) scripts/with-worker $(PY) manage.py runserver --insecure 127.0.0.1:$(PORT)

# A worker alone (production runs them as their own processes: docs/deployment.md).
worker: migrate
	$(PY) manage.py worker

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The pure rules, strictly typed (files listed in pyproject.toml, [tool.mypy]).
typecheck: install
	$(VENV)/bin/mypy

test: lint typecheck
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py check --fail-level WARNING
	$(PY) -m pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

bench: install
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) db.sqlite3 .pytest_cache .ruff_cache
