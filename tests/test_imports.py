"""imports/ as users regenerate it: cdk8s.yaml lists one bundle per API group (crd-bundles/, built from the
vendored crds/), so a plain `cdk8s import` cannot overwrite a group's module with one of its kinds; imports/
holds the modules the project and its docs import, a class for every kind of their bundles; and (slow) a plain
`cdk8s import` in a copy of the project reproduces imports/ byte for byte."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from gorax_constructs.pipeline.validation import CrdLoader

from .conftest import REPO
from .end_to_end import CDK8S_CLI, NODE, tree

BUNDLES = REPO / "crd-bundles"


def listed() -> list[str]:
    return yaml.safe_load((REPO / "cdk8s.yaml").read_text())["imports"]


def sources(bundle: Path) -> list[str]:
    return re.findall(r"^# source: (\S+)$", bundle.read_text(), re.MULTILINE)


def module(group: str) -> str:
    """The module `cdk8s import` generates for an API group: its name reversed (monitoring.coreos.com ->
    com/coreos/monitoring)."""
    return "/".join(reversed(group.replace("-", "_").split(".")))


def test_cdk8s_yaml_imports_one_bundle_per_api_group_of_vendored_crds():
    vendored = {entry["file"] for entry in yaml.safe_load((REPO / "crds" / "sources.yaml").read_text())}
    assert listed() and sorted(listed()) == sorted(f"crd-bundles/{p.name}" for p in BUNDLES.glob("*.yaml"))
    for path in listed():
        bundle = REPO / path
        files = sources(bundle)
        assert files and all(f.startswith("crds/") and f.removeprefix("crds/") in vendored for f in files), path
        documents = [d for d in yaml.load_all(bundle.read_text(), Loader=CrdLoader) if d]
        crds = [d for f in files for d in yaml.load_all((REPO / f).read_text(), Loader=CrdLoader) if d]
        assert documents == crds, f"{path} is not its sources, in order: make imports"
        assert {d["spec"]["group"] for d in documents} == {bundle.stem}, f"{path}: one API group, its name"


def test_make_imports_lists_the_bundles():
    listing = subprocess.run(
        [REPO / "scripts" / "import-crds.sh", "--list"], capture_output=True, text=True, check=True
    ).stdout
    assert {line.split(": ")[0]: line.split(": ")[1].split() for line in listing.splitlines()} == {
        path: sources(REPO / path) for path in listed()
    }


def used_modules() -> set[str]:
    """The imports/ modules imported by the code, the tests and the Python blocks of README.md and docs/."""
    texts = [p.read_text() for folder in ("gorax_constructs", "tests", "bench") for p in (REPO / folder).rglob("*.py")]
    texts.append((REPO / "main.py").read_text())
    for page in (REPO / "README.md", *(REPO / "docs").glob("*.md")):
        texts += re.findall(r"```python\n(.*?)```", page.read_text(), re.S)
    names = []
    for text in texts:
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ImportFrom) and node.module:
                names += [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names += [alias.name for alias in node.names]
    used = set()
    for parts in (name.split(".")[1:] for name in names if name.startswith("imports.")):
        prefixes = ["/".join(parts[:i]) for i in range(len(parts), 0, -1)]
        used.add(next((p for p in prefixes if (REPO / "imports" / p / "_jsii").is_dir()), "/".join(parts)))
    return used


def test_imports_holds_what_the_project_and_its_docs_use():
    generated = {str(p.parent.relative_to(REPO / "imports")) for p in (REPO / "imports").rglob("_jsii")}
    assert generated == used_modules()
    assert generated == {module(Path(path).stem) for path in listed()}


def test_every_kind_of_a_bundle_has_a_class():
    for path in listed():
        classes = (REPO / "imports" / module(Path(path).stem) / "__init__.py").read_text()
        names = {name.lower() for name in re.findall(r"^class (\w+)\($", classes, re.MULTILINE)}
        for crd in yaml.load_all((REPO / path).read_text(), Loader=CrdLoader):
            if crd:
                assert crd["spec"]["names"]["kind"].lower() in names, f"{path}: no class for {crd['spec']['names']}"


@pytest.mark.slow
def test_a_plain_cdk8s_import_in_a_copy_reproduces_imports(tmp_path):
    """What a user types, with the project's cdk8s.yaml: no script, no arguments."""
    for name in ("cdk8s.yaml", "package.json"):
        (tmp_path / name).write_bytes((REPO / name).read_bytes())
    for name in ("crds", "crd-bundles", "node_modules"):
        (tmp_path / name).symlink_to(REPO / name)
    run = subprocess.run(
        [NODE, CDK8S_CLI, "import"],
        cwd=tmp_path,
        env={"PATH": f"{NODE.parent}:/usr/bin:/bin", "HOME": str(tmp_path), "CDK8S_CHECK_UPGRADE": "false"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "cdk8s.yaml").read_bytes() == (REPO / "cdk8s.yaml").read_bytes(), "the import left it as it was"
    # Bytecode is not part of imports/ (the test run writes it: `make test` imports the modules).
    committed = {path: data for path, data in tree(REPO / "imports").items() if "__pycache__" not in path}
    assert tree(tmp_path / "imports") == committed
