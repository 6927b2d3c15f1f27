# Every set-up step lives here: `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_OUT ?= demo-output
PYTEST_ARGS ?=
FUZZ_CASES ?= 5000

.PHONY: venv install demo test test-slow test-all fuzz docs bench clean

venv: $(PY)

$(PY):
	$(PYTHON) -m venv $(VENV)

# -c constraints.txt pins the tested versions, torch==2.13.0 (the CPU build on disk) among them.
$(STAMP): $(PY) setup.cfg pyproject.toml constraints.txt
	$(PY) -m pip install --disable-pip-version-check -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/netgraph demo -o $(DEMO_OUT)

# `test` skips the tests marked slow (full-size architectures, the dynamo exporter on
# every family, the calibration of the bootstrap p-values); `test-slow` runs only those,
# `test-all` everything.
test: install
	$(PY) -m pytest -q $(PYTEST_ARGS)
	$(MAKE) docs

test-slow: install
	$(PY) -m pytest -q -m slow --runslow $(PYTEST_ARGS)

test-all: install
	$(PY) -m pytest -q --runslow $(PYTEST_ARGS)
	$(MAKE) docs

# `test` runs 300 fuzz cases (tests/test_fuzz.py); `fuzz` runs FUZZ_CASES of them, seeds 0 to
# FUZZ_CASES - 1 (a failing case is named by its seed: NETGRAPH_FUZZ_FIRST_SEED=17 FUZZ_CASES=1).
fuzz: install
	NETGRAPH_FUZZ_CASES=$(FUZZ_CASES) $(PY) -m pytest -q -p no:cacheprovider tests/test_fuzz.py $(PYTEST_ARGS)

docs: install
	rm -rf docs/_build docs/api/generated
	$(PY) -m sphinx -W --keep-going -q -b html docs docs/_build/html

# Each script exits non-zero when a target fails; run them all, then report.
bench: install
	rc=0; \
	$(PY) benchmarks/bench_degrees.py || rc=1; \
	$(PY) benchmarks/bench_tpl.py || rc=1; \
	$(PY) benchmarks/bench_compare.py || rc=1; \
	$(PY) benchmarks/bench_paths.py || rc=1; \
	$(PY) benchmarks/bench_paths_vgg.py || rc=1; \
	$(PY) benchmarks/bench_attachment.py || rc=1; \
	$(PY) benchmarks/bench_clauset.py || rc=1; \
	$(PY) benchmarks/bench_wide.py --max-n 8192 || rc=1; \
	$(PY) benchmarks/bench_sequence.py || rc=1; \
	$(PY) benchmarks/bench_fit_model.py || rc=1; \
	exit $$rc

clean:
	rm -rf docs/_build docs/api/generated .pytest_cache build *.egg-info
