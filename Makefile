# Two commands on a fresh machine with Python 3.11+ and make:
#   make demo   — mocks + gateway on SQLite, the example events posted, outcomes printed
#   make test   — the whole test suite (PostgreSQL tests run when GATEWAY_TEST_DATABASE_URL is reachable)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/gateway demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# the fuzz suite at length: schemathesis with many more cases, hypothesis's long profile
fuzz: $(STAMP)
	GATEWAY_FUZZ_EXAMPLES=1000 HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q \
		tests/contracts/test_openapi_fuzz.py tests/gateway/test_http_input.py \
		tests/gateway/plugin_kit/test_retry_after.py

bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/deliver.py
	$(BIN)/python bench/console.py

clean:
	rm -rf $(VENV) .pytest_cache *.egg-info
