# EduLoop: `make run` sets everything up and serves the demo; `make test` runs every test.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCALE ?= 1000
PORT ?= 8050
WORKERS ?= 2
NODES ?= 2

.PHONY: run setup setup-spark build serve test test-fast lint format bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

# The optional Spark engine (pyspark; Java 17+): the tests need it, `make run` does not.
$(VENV)/.installed-spark: requirements-spark.txt | $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-spark.txt
	touch $@

setup-spark: $(VENV)/.installed-spark

build: setup
	$(BIN)/python -m pipelines build --scale $(SCALE)

serve: setup
	$(BIN)/gunicorn -c gunicorn.conf.py dashboard.app:server --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --threads 4

## Several app nodes: NODES gunicorn instances on ports PORT, PORT+1, ... sharing one EDULOOP_DATA_DIR (Ctrl-C stops all)
.PHONY: serve-nodes
serve-nodes: setup
	@trap 'trap - INT TERM; kill 0' INT TERM; \
	for i in $$(seq 0 $$(($(NODES) - 1))); do \
		$(BIN)/gunicorn -c gunicorn.conf.py dashboard.app:server --bind 127.0.0.1:$$(($(PORT) + i)) \
			--workers $(WORKERS) --threads 4 & \
	done; wait

## Command 1: venv, install, build the demo warehouse, train, serve on http://127.0.0.1:8050
run: build serve

## Command 2: all tests (unit, integration, API, concurrency, headless browser)
test: setup setup-spark
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup -m "not browser" -p no:warnings
	$(BIN)/python -m pytest -q --headless -m browser -p no:warnings

## Lint (ruff, configured in pyproject.toml); CI runs it before the tests
lint: setup
	$(BIN)/ruff check .

## Apply the house format (ruff format, pyproject.toml) and the import order
format: setup
	$(BIN)/ruff check --select I --fix .
	$(BIN)/ruff format .

test-fast: setup
	$(BIN)/python -m pytest -q -m "not browser and not slow"

bench: setup setup-spark
	$(BIN)/python bench/run_all.py

clean:
	rm -rf data/warehouse.duckdb* data/events data/models data/lake
