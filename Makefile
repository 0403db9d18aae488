# Two commands do everything on a fresh machine: `make run` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: run test bench docs venv clean

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

# Test files run side by side, one per core; a file's tests stay in one process (--dist loadfile), so
# a module's fixtures are built once. `pytest` alone runs them in one process.
test: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --dist loadfile

# The documentation site (mkdocs.yml, docs/), served on http://127.0.0.1:8000 and rebuilt on every edit;
# `make test` builds it with --strict (tests/test_docs.py).
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --strict -a 127.0.0.1:8000

bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks -q -s --benchmark-only -p no:timeout --benchmark-json runs/bench.json

clean:
	rm -rf $(VENV) build *.egg-info
