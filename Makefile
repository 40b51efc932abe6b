# One task runner: the README's commands and CI call these targets.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run run-postgres install model ingest serve test test-fast lint format eval bench ci clean

## make run: install, prepare the model, ingest corpus/ and start API + chat on 127.0.0.1:8000
run: install
	$(BIN)/python app.py

## make run-postgres: the same, on a throwaway embedded PostgreSQL + pgvector (development only):
## it starts in a temporary folder, ingests corpus/, serves, and is stopped and deleted on Ctrl+C
run-postgres: install
	$(BIN)/python -m policybot.store.embedded -- $(BIN)/python app.py

install: $(STAMP)

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) (Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

model: install
	$(BIN)/policybot prepare-model

ingest: install
	$(BIN)/policybot ingest

serve: install
	$(BIN)/policybot serve

## make test: install (Python and system packages) and run the whole test suite
test: install
	bash .ci/system-deps.sh
	$(BIN)/python -m pytest -q

test-fast: install
	$(BIN)/python -m pytest -q -m "not browser"

lint: install
	$(BIN)/ruff check src tests benchmarks app.py
	$(BIN)/ruff format --check src tests benchmarks app.py
	$(BIN)/mypy

format: install
	$(BIN)/ruff format src tests benchmarks app.py
	$(BIN)/ruff check --fix src tests benchmarks app.py

## make eval: ingest corpus/, run the eval suite (and the naive baseline), fail below the quality gates
eval: install
	$(BIN)/policybot ingest -q
	$(BIN)/policybot eval all --check

bench: install
	$(BIN)/policybot ingest -q
	$(BIN)/python benchmarks/run.py

ci: lint test eval

clean:
	rm -rf $(VENV) index .pytest_cache .mypy_cache .ruff_cache
