# Fresh machine: `make report` installs everything and builds the sample report; `make test` runs the tests.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FORCE ?= wiltshire
QUARTER ?= 2023-Q1

.PHONY: setup system-deps browser-deps sample report test clean lock

# WeasyPrint needs Pango from Debian; poppler-utils (pdftoppm) is used to check PDF pages. Installed only if missing.
system-deps:
	@if ! ldconfig -p | grep -q libpango-1.0 || ! command -v pdftoppm >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils; \
	fi

# The browser test (tests/report/test_browser.py) loads the report in headless Chromium; installed only if missing.
browser-deps:
	@if ! command -v chromium >/dev/null && ! command -v chromium-browser >/dev/null; then \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -q && $$SUDO apt-get install -y -q chromium; \
	fi

$(BIN)/activate: requirements.txt pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(BIN)/activate

setup: system-deps $(BIN)/activate

sample: setup
	$(BIN)/pccreport sample --force $(FORCE)

report: sample
	$(BIN)/python run_all.py --force $(FORCE) --quarter $(QUARTER)

test: setup browser-deps
	$(BIN)/python -m pytest -q -n auto --dist loadgroup

# requirements.txt is the pinned lock of pyproject.toml's dependencies and all extras (uv keeps existing pins).
LOCK_ARGS ?=
lock:
	$(PY) -m venv .lock-venv && .lock-venv/bin/pip install -q uv
	.lock-venv/bin/uv pip compile pyproject.toml --extra notebook --extra dask --extra dev --python-version 3.11 \
	  --no-emit-package pccreport --custom-compile-command "make lock" $(LOCK_ARGS) -o requirements.txt

clean:
	rm -rf data/processed/* reports/* .pytest_cache
