# Feedback Pipeline — every target sets up what it needs (a local .venv) first.
#   make demo   generate the demo council and run the nightly job on it (DuckDB, no network)
#   make test   lint (ruff, sqlfluff) and run the test suite
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint pytest bench clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

# The demo council (calibrated to Kent's published 2023/24 report), generated
# deterministically (landing an identical delivery again is a no-op), with the LGSCO
# scraped from a local snapshot of its site served on 127.0.0.1.
demo: $(STAMP)
	$(BIN)/python -m demo.generator --out data/demo_delivery
	$(BIN)/python -m demo.lgsco_snapshot.run --delivery data/demo_delivery

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	FEEDBACK_WAREHOUSE=$(CURDIR)/target/lint.duckdb $(BIN)/sqlfluff lint models tests/dbt

pytest: $(STAMP)
	$(BIN)/python -m pytest

test: lint pytest

# ~100 thousand, 1 million and 10 million case records; results in bench/results/latest.json
bench: $(STAMP)
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) target logs data warehouse reports .pytest_cache .ruff_cache
