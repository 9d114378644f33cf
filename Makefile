# `make demo` renders the default project into build/demo and synthesizes it.
# `make test` runs every test of the template.
# `make benchmark` measures the loop's speed (ARGS=--skip-suite leaves the test suite out).
# Both set themselves up first: a virtual environment in .venv, the CDK CLI in build/cdk-cli.

PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
PROJECT_TEMPLATE := {{cookiecutter.project_name}}
# The CDK CLI at the version the generated project pins, from its package files.
CDK_CLI := build/cdk-cli
CDK := $(CURDIR)/$(CDK_CLI)/node_modules/.bin/cdk
DEMO := build/demo

.PHONY: install demo test lint benchmark clean

install: $(VENV)/.installed $(CDK)

$(VENV)/.installed: devkit/pyproject.toml requirements.txt $(PROJECT_TEMPLATE)/requirements.txt $(PROJECT_TEMPLATE)/requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(CDK): $(PROJECT_TEMPLATE)/package.json $(PROJECT_TEMPLATE)/package-lock.json
	mkdir -p $(CDK_CLI)
	cp $^ $(CDK_CLI)/
	npm ci --prefix $(CDK_CLI) --no-audit --no-fund --loglevel=error
	touch $@

demo: install
	rm -rf $(DEMO)
	$(BIN)/cookiecutter --no-input --output-dir $(DEMO) .
	cd $(DEMO)/orders-ingest && PATH="$(BIN):$$PATH" $(CDK) synth --quiet
	$(BIN)/python scripts/show_synth.py $(DEMO)/orders-ingest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=18,20 \
		$(BIN)/pytest

benchmark: install
	JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION=18,20 \
		$(BIN)/python scripts/benchmark.py $(ARGS)

clean:
	rm -rf $(VENV) build
