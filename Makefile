PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_HOME ?= $(HOME)/.jixiao/prefect
export PREFECT_LOGGING_LEVEL ?= WARNING
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export DO_NOT_TRACK ?= 1
export GX_ANALYTICS_ENABLED ?= False
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 180

.PHONY: install run test lint clean bench

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python >= 3.11 required"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

run: install
	$(BIN)/jixiao ingest samples/

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest -q

# The full benchmark (1k, 10k, 100k generated reports; about half an hour on 2 cores, most of it at
# 100k; then the warehouse backends at 10k: bench/lake.py). Not part of `make test`, which runs the suite only at a tiny N. BENCH_N to choose.
BENCH_N ?= 1000,10000,100000
bench: install
	$(BIN)/python -m bench.run --n $(BENCH_N) --naive-n 100 --json bench/results/latest.json
	$(BIN)/python -m bench.lake --n 10000 --json bench/results/lake.json

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) warehouse/jixiao.duckdb warehouse/jixiao.duckdb.*
