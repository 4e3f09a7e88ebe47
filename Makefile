# Two entry points: `make synth` (the main job) and `make test` (everything CI runs).
# Both install what they need on first use: .venv from requirements.txt, node_modules from package-lock.json
# (the cdk8s CLI and the project's Node LTS, the npm package `node`).

SHELL := /bin/bash
PYTHON_BOOTSTRAP ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NODE := node_modules/.bin/node
# jsii (started by `import cdk8s`) runs the project's Node, not whatever `node` is on the PATH.
export JSII_NODE := $(CURDIR)/$(NODE)
# The CLI's upgrade check queries registry.npmjs.org at every start and prints a stack trace offline;
# the CLI reads CDK8S_* variables as its options (cdk8s-cli lib/cli/index.js: `.env('CDK8S')`).
export CDK8S_CHECK_UPGRADE := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: synth test test-slow lint imports snapshots

# The app itself, not `cdk8s synth`: the npm CLI only sets CDK8S_OUTDIR and runs this same
# command, and its start alone costs ~1.3 s here. `cdk8s synth` does the same job.
synth: $(VENV)/.installed node_modules/.installed
	@$(PY) main.py

test: $(VENV)/.installed node_modules/.installed lint
	$(PY) -m pytest -q

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The tests marked slow (pyproject.toml), which `make test` leaves out: a plain `cdk8s import` in a copy of
# the project must reproduce imports/ (~20 s). CI runs them (.ci/run).
test-slow: $(VENV)/.installed node_modules/.installed
	$(PY) -m pytest -q -m slow

# Regenerate imports/ offline from the CRD bundles cdk8s.yaml lists (crd-bundles/, from crds/; ~20 s).
# CRDS="crds/<group>_<plural>.yaml ...": add those vendored CRDs first (their group's bundle, listed in cdk8s.yaml).
imports: node_modules/.installed
	scripts/import-crds.sh $(CRDS)

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	@# -qq: errors only; this machine's pip.conf names local indexes that lack most packages (one warning each).
	@$(PY) -m pip install -qq --requirement requirements.txt
	@touch $@

node_modules/.installed: package.json package-lock.json
	@npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Regenerate the syrupy snapshots of the tests' own environments (tests/fixture_catalog.py) after a deliberate
# change to the constructs; a failing run deletes nothing (tests/conftest.py).
snapshots: $(VENV)/.installed node_modules/.installed
	$(PY) -m pytest -q -rs --snapshot-update tests/test_snapshots.py
