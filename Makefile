# Two entry points, the README's two commands:
#   make run   - set up, index the default corpus, serve http://127.0.0.1:5000
#   make test  - set up (Chromium, espeak-ng and sox included, for the browser and speech tests), run every test
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test chromium speech-tools index bench bench-asr clean

$(BIN)/artoiscast: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test,asr]"
	touch $@

run: $(BIN)/artoiscast
	$(BIN)/artoiscast serve

index: $(BIN)/artoiscast
	$(BIN)/artoiscast index

# Debian's Chromium for the Playwright tests; Playwright never downloads a browser here.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's espeak-ng and sox: the speech-recognition tests synthesize their French speech.
speech-tools:
	@command -v espeak-ng >/dev/null 2>&1 && command -v sox >/dev/null 2>&1 || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng sox >/dev/null; }

test: $(BIN)/artoiscast chromium speech-tools
	$(BIN)/python -m pytest -q

bench: $(BIN)/artoiscast
	$(BIN)/python -m bench.run_benchmark --hours 100 1000 --out docs/performance.md

bench-asr: $(BIN)/artoiscast speech-tools
	$(BIN)/python -m bench.asr_benchmark

clean:
	rm -rf $(VENV) var build *.egg-info
