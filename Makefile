# Feedback Pipeline — every target sets up what it needs (a local .venv) first.
#   make demo   generate the demo council and run the nightly job on it (DuckDB, no network)
#   make test   lint (ruff, sqlfluff) and run the test suite
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint pytest clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# The demo council (calibrated to Kent's published 2023/24 report), generated
# deterministically; landing an identical delivery again is a no-op.
demo: $(STAMP)
	$(BIN)/python -m demo.generator --out data/demo_delivery
	$(BIN)/feedback run --source-dir data/demo_delivery --no-lgsco

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	FEEDBACK_WAREHOUSE=$(CURDIR)/target/lint.duckdb $(BIN)/sqlfluff lint models tests/dbt

pytest: $(STAMP)
	$(BIN)/python -m pytest

test: lint pytest

clean:
	rm -rf $(VENV) target logs data warehouse reports .pytest_cache .ruff_cache
