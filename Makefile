# Everything runs from a virtual environment at .venv, created on first use.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install system serve demo test test-later lint bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages the suite uses: Chromium drives the console, faketime moves the clock.
system:
	@command -v chromium >/dev/null && command -v faketime >/dev/null || \
	  (apt-get update -q && apt-get install -y -q chromium faketime)

serve: $(STAMP)  ## Start the gateway with the console and the simulator, demo data included.
	$(BIN)/lien serve --demo

test: $(STAMP) system  ## Run the whole test suite (SQLite by default; LIEN_TEST_DATABASE_URL for PostgreSQL).
	$(BIN)/python -m pytest -q

# The same suite with the clock DAYS ahead: it must pass on any date.
DAYS ?= 400
test-later: $(STAMP) system
	faketime -f +$(DAYS)d $(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	$(BIN)/lint-imports

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache lien.db
