# tweetlake: `make demo` runs the pipeline on embedded defaults; `make test` runs the test suite.
# Both create .venv and install what they need (scripts/bootstrap.sh).

VENV  := .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit train-ner train-sentiment bench bench-quick clean

$(STAMP): pyproject.toml scripts/bootstrap.sh
	./scripts/bootstrap.sh

demo: $(STAMP)
	$(BIN)/tweetlake demo

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check src tests training benchmarks
	$(BIN)/ruff format --check src tests training benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest

# Retrain the shipped models from ../shared/data (train/val splits only).
train-ner: $(STAMP)
	$(BIN)/python training/train_ner.py

train-sentiment: $(STAMP)
	$(BIN)/python training/train_sentiment.py

# Benchmarks: one JSON file (benchmarks/results/bench.json) and a table. See docs/performance.md.
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

bench-quick: $(STAMP)
	$(BIN)/python benchmarks/run.py --quick

clean:
	rm -rf $(VENV) build dist .pytest_cache .mypy_cache .ruff_cache demo-lake test-artifacts
