# The two commands of the README: `make demo` and `make test`. Everything else is optional.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL := postgresql+asyncpg://postgres@127.0.0.1:5432/test

.PHONY: demo test lint typecheck bench bench-quick clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/dmp demo

# Runs the whole suite on SQLite and, when a PostgreSQL answers on 127.0.0.1:5432 (or
# DMP_TEST_DATABASE_URL names one), on PostgreSQL too. policy/ must stay at 100 % of branches.
test: $(STAMP)
	@if [ -z "$$DMP_TEST_DATABASE_URL" ] && $(BIN)/python -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then \
		export DMP_TEST_DATABASE_URL=$(PG_URL); fi; \
	echo "PostgreSQL under test: $${DMP_TEST_DATABASE_URL:-none (SQLite only)}"; \
	$(BIN)/pytest --cov=dmp.policy --cov-branch --cov-report=term-missing:skip-covered --cov-fail-under=100 -q

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# The benchmark harness (docs/benchmarks.md), never run by `make test`. Its load generator,
# wrk, comes from Debian when missing; `make bench BENCH_ARGS="--databases sqlite"` passes options.
bench: $(STAMP)
	@command -v wrk >/dev/null || { s=$$([ "$$(id -u)" = 0 ] || echo sudo); $$s apt-get install -y wrk || { $$s apt-get update && $$s apt-get install -y wrk; }; }
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

bench-quick: $(STAMP)
	@command -v wrk >/dev/null || { s=$$([ "$$(id -u)" = 0 ] || echo sudo); $$s apt-get install -y wrk || { $$s apt-get update && $$s apt-get install -y wrk; }; }
	$(BIN)/python -m benchmarks --quick $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
