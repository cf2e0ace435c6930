# PersonaLens: `make run` opens the dashboard on the demo store, `make test` lints and tests.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test test-fast lint format install install-dev install-spark nltk demo demo-assets bench clean

run: install nltk demo  ## install into .venv, build the demo workspace if missing, start the dashboard
	$(PY) -m streamlit run app.py --server.port $(PORT)

test: install-dev nltk  ## lint, then every test (browser tests included)
	$(PY) -m ruff check .
	$(PY) -m pytest

test-fast: install-dev nltk  ## the inner loop: lint, core and AppTest tests (no browser)
	$(PY) -m ruff check .
	$(PY) -m pytest tests/core tests/app

install: $(VENV)/.runtime-installed
install-dev: $(VENV)/.dev-installed  ## test tools and the optional Spark engine (the tests run it)

install-spark: install  ## the optional Spark engine alone (needs Java 17 or 21)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-spark.txt

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "PersonaLens needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements-spark.txt $(VENV)/.runtime-installed
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt -r requirements-spark.txt
	@touch $@

nltk: install  ## VADER lexicon from the vaderSentiment package into ./nltk_data (no download)
	@$(PY) -m core.nltk_setup

demo: install  ## build the demo workspace unless it already exists
	@$(PY) -m core info --workspace demo >/dev/null 2>&1 || $(PY) -m core demo --workspace demo

demo-assets: install  ## regenerate assets/demo/*.csv from the simulator (commit the result)
	$(PY) -m core demo --workspace demo --write-assets --skip-models

lint: install-dev
	$(PY) -m ruff check .

format: install-dev
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: install-dev nltk
	@for script in benchmarks/*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) nltk_data .pytest_cache .ruff_cache
