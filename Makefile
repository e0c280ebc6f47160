# clickstream-elt: every command a user needs. `make help` lists them.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export AIRFLOW_HOME ?= $(CURDIR)/airflow_home
export CLICKSTREAM_DATA_DIR ?= $(CURDIR)/data

.PHONY: help setup pdf-libraries data run airflow test test-deploy test-faults screenshots docs lint bench constraints clean

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

# What test-deploy runs against the stack (test-faults: the fault scenarios only).
DEPLOY_TESTS ?= tests/deploy/test_stack.py tests/deploy/test_faults.py

# The Debian libraries WeasyPrint loads to print report.pdf (the Dockerfile installs the same list).
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation

$(STAMP): pyproject.toml constraints.txt
	@$(MAKE) --no-print-directory pdf-libraries
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

setup: $(STAMP) ## Create .venv with the pinned dependencies (and, on Debian, the PDF renderer's libraries)

pdf-libraries: ## Install the Debian libraries of the PDF renderer (Pango, fonts) unless they are there
	@missing=$$(for package in $(PDF_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q 'ok installed' || echo $$package; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "pdf-libraries: not Debian; install Pango 1.44 or newer and a sans-serif font for report.pdf"; exit 0; fi; \
	sudo=$$( [ "$$(id -u)" = 0 ] || echo sudo ); echo "pdf-libraries: installing" $$missing; \
	$$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null

data: $(STAMP) ## Generate the 14-day sample data into data/raw/ (if it is empty)
	@if [ -z "$$(ls -A $(CLICKSTREAM_DATA_DIR)/raw 2>/dev/null)" ]; then \
		$(BIN)/clickstream generate --out $(CLICKSTREAM_DATA_DIR) --start 2025-02-23 --days 14 --events-per-day 3500 --seed 7; \
	else echo "data: $(CLICKSTREAM_DATA_DIR)/raw already has files; leaving them"; fi

run: data ## Set up, generate sample data, run the DAG through Airflow for every partition
	$(BIN)/clickstream airflow-run

airflow: data ## Start Airflow (standalone) with the web UI on http://localhost:8080
	$(BIN)/clickstream airflow-standalone

test: $(STAMP) ## Lint, then run the test suite
	$(BIN)/ruff check dags plugins include tests
	$(BIN)/pytest

test-deploy: $(STAMP) ## Start Docker, build the images, run the compose stack as a user does (root, Linux)
	@# Three steps that also run alone (docs/deployment.md, "What CI verifies"). However they end, the engine is stopped and
	@# the host's settings restored.
	trap '.ci/docker/engine stop' EXIT; \
	time .ci/docker/engine start && \
	time .ci/docker/images && \
	RUN_DEPLOY_TESTS=1 $(BIN)/pytest -p no:cacheprovider -v -x --durations=0 $(DEPLOY_TESTS)

test-faults: ## Start Docker, build the images, run only the fault scenarios of the compose stack (root, Linux)
	@$(MAKE) --no-print-directory test-deploy DEPLOY_TESTS=tests/deploy/test_faults.py

screenshots: $(STAMP) ## Retake the screenshots of README.md and docs/ into docs/images/ (Chromium, poppler, PostgreSQL)
	@# The browser tests that check the report and the Airflow UI take them (tests/browser.py); the Airflow ones
	@# need the local services of tests/integration/. A skipped test would leave an old picture: that fails.
	started=$$(mktemp) && \
	$(BIN)/pytest -p no:cacheprovider -q -rs --screenshots-to docs/images tests/analyze/test_report_browser.py \
		tests/analyze/test_report_pdf.py tests/integration/test_airflow_services.py \
		-k 'browser or pdf or partition_runs_green' && \
	stale=$$(find docs/images -name '*.png' ! -newer $$started); rm -f $$started; \
	if [ -n "$$stale" ]; then echo "not retaken (a test was skipped): $$stale"; exit 1; fi

docs: $(STAMP) ## Regenerate the README's table of settings from the Settings object
	$(BIN)/clickstream settings --write README.md

lint: $(STAMP) ## Lint with ruff (Airflow's AIR rules included)
	$(BIN)/ruff check dags plugins include tests

bench: $(STAMP) ## Benchmark every stage at 1M and 10M events and at the real size (14 x 3,500 events)
	$(BIN)/clickstream bench

constraints: ## Re-pin constraints.txt from a fresh resolve (needs the package index)
	rm -rf /tmp/clickstream-pin && $(PYTHON) -m venv /tmp/clickstream-pin
	/tmp/clickstream-pin/bin/pip install --quiet --upgrade pip
	/tmp/clickstream-pin/bin/pip install --quiet '.[test]'
	( head -2 constraints.txt; /tmp/clickstream-pin/bin/pip freeze --exclude-editable | grep -v '^clickstream-elt' ) > constraints.new && mv constraints.new constraints.txt

clean: ## Remove generated data, the Airflow home and the venv
	rm -rf data airflow_home $(VENV) .pytest_cache
