# Second Look. Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test lint bench init clean

$(BIN)/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv>=0.5"
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

init: $(BIN)/.synced
	$(BIN)/secondlook init

run: init
	$(BIN)/secondlook serve --host $(HOST) --port $(PORT)

lint: $(BIN)/.synced
	$(BIN)/ruff check .
	$(BIN)/mypy moderation consent_store

test: lint
	$(BIN)/pytest

bench: $(BIN)/.synced
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
