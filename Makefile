# tnde-gateway: `make run` serves a local demo, `make test` runs the whole suite (pytest, ruff,
# mypy, import-linter layer contracts).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CONFIG ?=

.PHONY: run test lint pytest venv venv-test init demo bench clean screenshots

$(BIN)/tnde: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(BIN)/tnde

$(VENV)/.test-extras: pyproject.toml $(BIN)/tnde
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

venv: $(BIN)/tnde
venv-test: $(VENV)/.test-extras

run: venv
	$(BIN)/tnde init
	$(BIN)/tnde demo --if-empty
	$(BIN)/tnde user add admin --role admin --if-absent
	$(BIN)/tnde serve --banner

lint: venv-test
	$(BIN)/ruff check gateway rules webadmin tests bench tools
	$(BIN)/ruff format --check gateway rules webadmin tests bench tools
	$(BIN)/mypy
	$(BIN)/lint-imports

pytest: venv-test
	$(BIN)/pytest -q

test: lint pytest

# Refresh docs/screenshots/*.png from the browser tests (Debian's Chromium, 1366x768).
screenshots: venv-test
	TNDE_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/test_panel_browser.py

bench: venv-test
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
