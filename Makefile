# Two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve migrate import test test-postgres test-browser lint format check-deploy clean

# Re-running is quick: pip only runs again when pyproject.toml changes.
$(BIN)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 (or run make PYTHON=python3)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet '.[dev]'
	touch $@

install: $(BIN)/.installed

migrate: install
	DEBUG=1 $(BIN)/python manage.py migrate --no-input

import: migrate
	DEBUG=1 $(BIN)/python manage.py import_documents seeds/

run: import
	@echo ""
	@echo "  The catalogue:  http://$(HOST):$(PORT)/"
	@echo "  The admin:      http://$(HOST):$(PORT)/admin/"
	@echo "  Create a curator account first (in another terminal):"
	@echo "      DEBUG=1 $(BIN)/python manage.py createsuperuser"
	@echo "  then give others the Curator group: DEBUG=1 $(BIN)/python manage.py setup_roles"
	@echo ""
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest

test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/catalogue} $(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
