# Two entry points, the README's two commands:
#   make run   - set up, index the default corpus, serve http://127.0.0.1:5000
#   make test  - set up (Chromium included, for the browser tests), run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test chromium axe index bench bench-quick clean

$(BIN)/artoiscast: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

run: $(BIN)/artoiscast
	$(BIN)/artoiscast serve

index: $(BIN)/artoiscast
	$(BIN)/artoiscast index

# Debian's Chromium for the Playwright tests; Playwright never downloads a browser here.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# axe-core (npm), injected into the pages by the browser tests: an accessibility regression fails the tests.
AXE := test-artifacts/node/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE):
	@command -v npm >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	npm install --silent --no-save --no-audit --no-fund --prefix test-artifacts/node axe-core@4

test: $(BIN)/artoiscast chromium axe
	$(BIN)/python -m pytest -q

bench: $(BIN)/artoiscast
	$(BIN)/python -m bench.run_benchmark --hours 100 1000 --out docs/performance.md

# The same benchmark on a 5-hour archive, in a couple of minutes; the report stays in var/bench-quick.
bench-quick: $(BIN)/artoiscast
	$(BIN)/python -m bench.run_benchmark --hours 5 --per-class 20 --concurrent-per-class 8 --requests 50 \
	  --concurrent-requests 100 --workdir var/bench-quick --out var/bench-quick/performance.md

clean:
	rm -rf $(VENV) var build *.egg-info test-artifacts/node
