# tnde-gateway: `make run` serves a local demo, `make test` runs the whole suite (pytest, ruff,
# mypy, import-linter layer contracts).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CONFIG ?=

.PHONY: run test lint pytest venv venv-test init demo bench clean screenshots lock audit

# Installs come from the lock files (exact versions, every file's SHA-256 checked), so a
# fresh install is the one that was tested; `make lock` refreshes them from pyproject.toml.
$(BIN)/tnde: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(BIN)/tnde

$(VENV)/.test-extras: pyproject.toml requirements-test.lock $(BIN)/tnde
	$(BIN)/pip install --quiet --require-hashes -r requirements-test.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

# Needs uv (pip install uv) and PyPI.
lock:
	uv pip compile pyproject.toml --generate-hashes --python-version 3.11 \
	  --python-platform linux --no-header -o requirements.lock
	uv pip compile pyproject.toml --extra test --generate-hashes --python-version 3.11 \
	  --python-platform linux --no-header -o requirements-test.lock

# Known vulnerabilities in what we ship (the runtime lock), from PyPI's advisory data.
# Not part of `make test`: it needs PyPI's per-version JSON API, which some mirrors and
# proxies do not serve (then --strict fails rather than auditing nothing).
audit:
	$(BIN)/pip install --quiet pip-audit
	$(BIN)/pip-audit --strict --disable-pip --no-deps -r requirements.lock

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
