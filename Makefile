# Second Look. Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
UV := $(PYTHON) -m uv
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export UV_PYTHON_DOWNLOADS := never

.PHONY: run test lint bench init clean screenshots

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

# Every bench runs and prints its figures; the ones that missed a target are named at the end.
# The machine's load (uptime) is printed before each bench and at the end: the figures of a
# busy machine are not a quiet one's.
bench: $(BIN)/.synced
	@missed=""; for b in bench/bench_*.py; do echo "== $$b ($$(uptime | sed 's/.*load/load/'))"; \
	  $(BIN)/python $$b || missed="$$missed $$b"; done; \
	echo "== done ($$(uptime | sed 's/.*load/load/'))"; \
	if [ -n "$$missed" ]; then echo "Targets missed in:$$missed"; exit 1; fi

# The README's screenshots (needs Chromium); run on demand, not part of `make test`.
screenshots: $(BIN)/.synced
	$(BIN)/python -m tests.screenshots examples/screenshots

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
