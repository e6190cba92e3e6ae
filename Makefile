# `make run` and `make test` do all set-up on a fresh machine; `make install` alone is idempotent.
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench bench-one-cpu eval

install: $(STAMP)

# The verdict rule's sources too: the install compiles them (setup.py), and a compiled module built from another
# version of its source refuses to be imported (service/verdict/freshness.py) until this runs again.
$(STAMP): setup.cfg setup.py pyproject.toml Makefile scripts/install.sh $(wildcard service/verdict/*.py)
	PYTHON=$(PYTHON) sh scripts/install.sh $(VENV) -e '.[test]'
	touch $(STAMP)

run: install
	$(PY) run.py

test: install lint
	$(PY) -m pytest

lint: install
	$(VENV)/bin/hadolint Dockerfile
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# How well the verdicts match the labelled claims in evaluation/data (a few minutes; a report, not a gate).
eval: install
	$(PY) -m evaluation

# Benchmarks (about 30 minutes on 2 cores): bench/results/report.md and PNG plots.
bench: install
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) -m bench.run_all

# The same with every server and the raw model held to one CPU (a CFS quota; needs root), as a container's
# CPU limit would; a 2,000-request soak, as memory does not depend on the CPU: bench/results/one-cpu/.
bench-one-cpu: install
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) -m bench.run_all --cpus 1 --requests 2000 --out bench/results/one-cpu
