# Two commands do everything on a fresh machine: `make run` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: run test bench venv clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# The main job: train and evaluate a suite, write records and leaderboards (`make run SUITE=smoke`
# for a short try). Re-running resumes: finished trials are skipped.
SUITE ?= core
run: $(STAMP)
	$(BIN)/ganbench run --suite $(SUITE) --out runs/$(SUITE)

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks -q -s --benchmark-only -p no:timeout --benchmark-json runs/bench.json

clean:
	rm -rf $(VENV) build *.egg-info
