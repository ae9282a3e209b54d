# Two entry points, the README's two commands:
#   make run   - set up, index the default corpus, serve http://127.0.0.1:5000
#   make test  - set up (Chromium, espeak-ng and sox included, for the browser and speech tests), run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test chromium axe speech-tools index bench bench-quick bench-asr clean

# Each step says what it installs: the first install takes minutes, and silence looks like a hang.
$(BIN)/artoiscast: pyproject.toml
	@echo "==> Environnement Python $(VENV) ($(PYTHON))"
	$(PYTHON) -m venv $(VENV)
	@echo "==> pip, puis les dépendances de pyproject.toml : whoosh-reloaded, flask, numpy… ; pytest, playwright ;"
	@echo "    faster-whisper et le modèle Whisper base (environ 150 Mo) - quelques minutes au premier passage"
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --progress-bar off -e ".[test,asr]"
	touch $@

run: $(BIN)/artoiscast
	$(BIN)/artoiscast serve

index: $(BIN)/artoiscast
	$(BIN)/artoiscast index

# Debian's Chromium for the Playwright tests; Playwright never downloads a browser here.
chromium:
	@command -v chromium >/dev/null 2>&1 || { echo "==> Chromium de Debian (apt-get, en root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# axe-core (npm), injected into the pages by the browser tests: an accessibility regression fails the tests.
AXE := test-artifacts/node/node_modules/axe-core/axe.min.js
axe: $(AXE)
$(AXE):
	@command -v npm >/dev/null 2>&1 || { echo "==> npm de Debian (apt-get, en root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }
	@echo "==> axe-core (npm), pour les tests d'accessibilité"
	npm install --silent --no-save --no-audit --no-fund --prefix test-artifacts/node axe-core@4

# Debian's espeak-ng and sox: the speech-recognition tests synthesize their French speech.
speech-tools:
	@command -v espeak-ng >/dev/null 2>&1 && command -v sox >/dev/null 2>&1 || { \
	  echo "==> espeak-ng et sox de Debian (apt-get, en root)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng sox >/dev/null; }

# The suite on every core (pytest-xdist): a test file stays on one worker (--dist loadfile), so a
# module's fixtures (an index, transcribed speech) are built once; session fixtures, once per worker.
# Then the load tests (marker "alone"), serially: what they measure would otherwise be the other worker.
TEST_WORKERS ?= auto
test: $(BIN)/artoiscast chromium axe speech-tools
	@echo "==> Tests (pytest, sur tous les cœurs) : environ 4 minutes sur 2 cœurs"
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile -m "not alone"
	@echo "==> Tests de charge, seuls sur la machine"
	$(BIN)/python -m pytest -q -m alone

bench: $(BIN)/artoiscast
	$(BIN)/python -m bench.run_benchmark --hours 100 1000 --out docs/performance.md

# The same benchmark on a 5-hour archive, in a couple of minutes; the report stays in var/bench-quick.
bench-quick: $(BIN)/artoiscast
	$(BIN)/python -m bench.run_benchmark --hours 5 --per-class 20 --concurrent-per-class 8 --requests 50 \
	  --concurrent-requests 100 --workdir var/bench-quick --out var/bench-quick/performance.md

bench-asr: $(BIN)/artoiscast speech-tools
	$(BIN)/python -m bench.asr_benchmark

clean:
	rm -rf $(VENV) var build *.egg-info test-artifacts/node
