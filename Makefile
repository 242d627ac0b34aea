# fadj developer entry points.  On a fresh Debian machine:
#   make demo   differentiate a bundled example, build it with gfortran, verify the gradient
#   make test   run the whole test suite (what CI runs)
#   make bench  measure adjoint time / memory of the checkpointing strategies
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
DEMO := fortran_examples/nested_calls
DEMO_OUT := demo_out

.PHONY: all venv gfortran demo test test-fast bench mutate clean

all: test

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

venv: $(VENV)/.installed

gfortran:
	@command -v gfortran >/dev/null 2>&1 || { \
	  echo "installing gfortran (apt-get)"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get install -y gfortran >/dev/null 2>&1 || { $$SUDO apt-get update >/dev/null && $$SUDO apt-get install -y gfortran >/dev/null; }; }
	@gfortran --version | head -1

demo: venv gfortran
	$(PY) -m fadj.tools.demo $(DEMO) $(DEMO_OUT)

test: venv gfortran
	$(PY) -m pytest -q -n 2 tests

test-fast: venv gfortran
	$(PY) -m pytest -q -m "not slow" tests

bench: venv gfortran
	$(PY) -m fadj.tools.bench

# mutation check of the rule table and the engines (not in CI): tests/mutate.py
mutate: venv gfortran
	$(PY) -m tests.mutate

clean:
	rm -rf $(DEMO_OUT) bench_out mutate_out .pytest_cache
