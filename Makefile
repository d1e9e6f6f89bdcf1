# Every target creates .venv (and reinstalls when pyproject.toml changes) first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
CORPORA ?= ../shared/corpora

.PHONY: venv demo test check lint typecheck train benchmark eval bench clean-venv

# compileall: an editable install leaves the package uncompiled, and with
# PYTHONDONTWRITEBYTECODE set (as on these machines) every CLI start would compile
# it again (~40 ms of a 0.35 s cold start).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark,warc]'
	$(BIN)/python -m compileall -q detector
	touch $(STAMP)

venv: $(STAMP)

# Scan the bundled example articles with the shipped default model.  detector scan
# exits 1 when it finds something, which is the point of the demo.
demo: $(STAMP)
	$(BIN)/detector scan examples/ ; status=$$?; [ $$status -le 1 ]

lint: $(STAMP)
	$(BIN)/ruff check detector tests scripts

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck

test: check
	$(BIN)/python -m pytest -q

# Rebuild the shipped model from training_data/ and $(CORPORA); prints the dev
# benchmark table (model and both baselines) and stores it in the model card.
train: $(STAMP)
	$(BIN)/detector train --corpora $(CORPORA)

# Regenerate the cross-source dev benchmark, then score the shipped model and the
# two baselines on it.
benchmark: $(STAMP)
	$(BIN)/detector benchmark --corpora $(CORPORA)

eval: benchmark
	$(BIN)/detector eval --corpora $(CORPORA)

clean-venv:
	rm -rf $(VENV)

# Performance figures with PASS/FAIL against the targets (README, "Performance").
# BENCH_ARGS="--model /tmp/full_model --mb 10" to change the model or the size.
BENCH_ARGS ?=
# The bytecode is compiled first: after an edit, every CLI start the bench times
# would compile the changed modules again (PYTHONDONTWRITEBYTECODE is set here).
bench: $(STAMP)
	$(BIN)/python -m compileall -q detector
	$(BIN)/python scripts/bench.py --corpora $(CORPORA) $(BENCH_ARGS)
