# The two commands of the README: `make run` and `make test`. Both build .venv themselves.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
DEV_INSTALLED := $(VENV)/.installed-dev
BROWSER_INSTALLED := $(VENV)/.installed-browser

# The demo runs with DEBUG on and talks to the local Condo sandbox; a real deployment sets these itself.
DEMO_ENV := DEBUG=$${DEBUG:-true} \
	CONDO_API_URL=$${CONDO_API_URL:-http://127.0.0.1:8765/admin/api} \
	CONDO_LOGIN=$${CONDO_LOGIN:-publisher@sandbox.local} \
	CONDO_PASSWORD=$${CONDO_PASSWORD:-sandbox-publisher-password}

.PHONY: install run test test-browser lint format bench clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): requirements.txt | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $(INSTALLED)

install: $(INSTALLED)

# Ruff, mypy and pre-commit, pinned in requirements-dev.txt.
$(DEV_INSTALLED): requirements-dev.txt $(INSTALLED)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(DEV_INSTALLED)

# Selenium only: the browser itself is Debian's chromium and chromium-driver (.ci/run installs them).
$(BROWSER_INSTALLED): requirements-browser.txt $(INSTALLED)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-browser.txt
	touch $(BROWSER_INSTALLED)

run: install
	$(DEMO_ENV) $(PY) manage.py migrate --noinput
	$(DEMO_ENV) $(PY) manage.py setup_demo
	$(DEMO_ENV) $(PY) manage.py run_desk

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

# The admin in headless Chromium (tests/browser, marked `browser`; `make test` leaves them out).
test-browser: $(BROWSER_INSTALLED)
	$(PY) -m pytest -m browser tests/browser $(PYTEST_ARGS)

# What CI checks before the tests: lint, formatting and types (settings in pyproject.toml).
lint: $(DEV_INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy billing integration config

format: $(DEV_INSTALLED)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) -m pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-* test_db.sqlite3* var/
