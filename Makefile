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

# Until the suites land (issue 5), the main job evaluates the bundled ring8 example.
run: $(STAMP)
	$(BIN)/ganbench eval examples/ring8_real.npy examples/ring8_fake.npy --metrics fid,kid,pr,dc --json runs/example-eval.json

test: $(STAMP)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks -q -s --benchmark-only -p no:timeout --benchmark-json runs/bench.json

clean:
	rm -rf $(VENV) build *.egg-info
