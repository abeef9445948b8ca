# One command per job. `make test` works on a fresh machine with Python 3.11 and pip:
# it creates .venv and installs the project with its dev extras when pyproject.toml changed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The real servers the integration tests run against: inmem (`langgraph dev`), pg (the Postgres-backed runtime,
# installed by scripts/install-pg-runtime.sh), aegra (Aegra, by scripts/install-aegra-runtime.sh) and js (the
# LangGraph.js dev server serving graphs-js/, by scripts/install-js-runtime.sh).
# E.g. `make test RECONCILER_TEST_SERVERS=inmem` skips the others.
RECONCILER_TEST_SERVERS ?= inmem,pg,aegra,js
export RECONCILER_TEST_SERVERS
TEST_SERVERS_DEPS := $(if $(findstring pg,$(RECONCILER_TEST_SERVERS)),pg-runtime)
TEST_SERVERS_DEPS += $(if $(findstring aegra,$(RECONCILER_TEST_SERVERS)),aegra-runtime)
TEST_SERVERS_DEPS += $(if $(findstring js,$(RECONCILER_TEST_SERVERS)),js-runtime)

.PHONY: install pg-runtime aegra-runtime js-runtime lint lint-workflows unit test demo bench bench-latency \
	assistant-schema workflows clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# The distribution was once called `reconciler` (a name that belongs to another project on the index).
	$(BIN)/python -m pip uninstall --quiet --yes reconciler 2> /dev/null || true
	touch $(STAMP)

install: $(STAMP)

# PostgreSQL 15 + redis-server (apt, as root), the OS user PostgreSQL runs as, and .venv-pg with langhost.
pg-runtime:
	PYTHON=$(PYTHON) bash scripts/install-pg-runtime.sh

# Aegra on PostgreSQL: PostgreSQL and its OS user (as pg-runtime), and .venv-aegra with aegra-api (Python 3.12+).
aegra-runtime:
	bash scripts/install-aegra-runtime.sh

# Node.js packages of graphs-js/ (the LangGraph.js CLI, @langchain/langgraph, zod) with npm ci, from its lock file.
js-runtime:
	bash scripts/install-js-runtime.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

lint-workflows: install
	PATH="$(CURDIR)/$(BIN):$$PATH" bash scripts/lint-workflows.sh

unit: install
	$(BIN)/pytest -q -m "not integration"

# One worker per core; every test of one runtime runs on the same worker (tests/conftest.py), so each server starts
# once. Plain `$(BIN)/pytest` runs the same tests one at a time.
test: lint lint-workflows $(TEST_SERVERS_DEPS)
	$(BIN)/pytest -q -n auto --dist loadgroup

demo: install
	$(BIN)/reconciler validate
	$(BIN)/reconciler dry-run --config langgraph.json

bench: install
	$(BIN)/python bench/plan_benchmark.py
	$(BIN)/python bench/latency_benchmark.py

bench-latency: install
	$(BIN)/python bench/latency_benchmark.py

assistant-schema: install
	$(BIN)/python -c "from pathlib import Path; from reconciler.commands.schemas import write_editor_schema as w; w(Path('schemas'))"

# This repository's workflows are the templates `reconciler init` writes, installing from this checkout.
workflows: install
	$(BIN)/python -c "from reconciler.adoption.templates import WorkflowOptions as O, render_workflows as r; \
		[open(f'.github/workflows/{n}', 'w').write(t) for n, t in r(O(pip_spec='.')).items()]"

clean:
	rm -rf $(VENV) .venv-pg .venv-aegra graphs-js/node_modules .mypy_cache .ruff_cache .pytest_cache
