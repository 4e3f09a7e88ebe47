"""The README is tested: its recipe runs as written, and its tables list what the repository holds.

"Adding an environment" runs in a copy of the project (started at the session's start by
tests/end_to_end.py): its Python block applied to environments.py, then each of its commands but
`git status` (checked here instead) and `make test` (this suite). Cost: ~6 s of CPU on the second
core: `bin/gorax image set` and `bin/gorax synth` (~0.7 s and ~1.3 s) and the snapshot and envdoc
tests in the copy (~4 s, one jsii start and the synth of four environments).
"""

import fnmatch
import re
import subprocess

from .end_to_end import README, REPO, apply_block, recipe_blocks, tree


def table(heading: str) -> list[list[str]]:
    """The rows (cells) of the first table after ``heading``."""
    section = README.read_text().split(f"\n{heading}\n", 1)[1]
    rows = re.search(r"^\|.*?(?=\n\n|\n[^|])", section, re.S | re.M)
    assert rows, f"no table under {heading}"
    lines = [line for line in rows.group(0).splitlines() if not line.startswith("|---")]
    return [[cell.strip() for cell in line.strip("|").split(" | ")] for line in lines[1:]]


def top_level_entries() -> set[str]:
    """What the repository holds at its root: git's files, else the folder less what .gitignore keeps out."""
    listed = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True)
    if listed.returncode == 0 and listed.stdout:
        return {line.split("/", 1)[0] for line in listed.stdout.splitlines()}
    ignored = [line.strip().rstrip("/") for line in (REPO / ".gitignore").read_text().splitlines() if line.strip()]
    return {p.name for p in REPO.iterdir() if p.name != ".git" and not any(fnmatch.fnmatch(p.name, i) for i in ignored)}


def test_layout_table_lists_every_top_level_file_and_folder():
    listed = {path.split("/", 1)[0] for row in table("## Layout") for path in re.findall(r"`([^`]+)`", row[0])}
    assert top_level_entries() - listed == set()


def test_network_policy_table_lists_every_policy_in_dist():
    names = {
        re.sub(r"^NetworkPolicy\.[a-z0-9-]+?-gorax-", "", path.name).removesuffix(".k8s.yaml")
        for path in REPO.glob("dist/**/NetworkPolicy.*.k8s.yaml")
    }
    rows = {re.match(r"`([^`]+)`", row[0]).group(1) for row in table("## Network policies")}
    assert names and names - rows == set()


def test_recipe_block_applies_to_environments_py():
    """The recipe's block replaces ENVIRONMENTS and adds QA before it (checked without running anything)."""
    python, commands = recipe_blocks()
    source = (REPO / "gorax_constructs" / "environments.py").read_text()
    applied = apply_block(source, python)
    assert applied.index("QA = replace(") < applied.index("ENVIRONMENTS: tuple[EnvironmentConfig, ...] = (")
    assert applied.count("ENVIRONMENTS: tuple") == 1
    assert commands[-1] == "make test"


def test_adding_an_environment_as_the_readme_says(end_to_end):
    chain = end_to_end["readme-recipe"]
    steps = chain.result()
    _, commands = recipe_blocks()
    assert [" ".join(step.command) for step in steps] == [
        c for c in commands if not c.startswith(("git status", "make test"))
    ]
    for step in steps:
        assert step.code == 0, f"{' '.join(step.command)}:\n{step.stdout}\n{step.stderr}"
        assert "Traceback" not in step.stderr
    synth = next(step for step in steps if step.command[:2] == ["bin/gorax", "synth"])
    assert "qa" in synth.stdout
    before, after = chain.dist_before, synth.dist
    changed = sorted(name for name in before if after.get(name) != before[name])
    added = sorted(name for name in after if name not in before)
    # What the recipe says `git status --short dist/` shows: new files; changed only in dist/argocd/, the
    # kustomization and its project (a new destination and Namespace name; the previews' project is unchanged).
    assert changed == [
        "argocd/AppProject.gorax.k8s.yaml",
        "argocd/kustomization.yaml",
    ]
    assert "argocd/Application.gorax-qa.k8s.yaml" in added
    assert {name.split("/")[0] for name in added} == {"qa", "argocd"}
    assert tree(chain.project / "dist") == after
    # The snapshots are of tests/fixture_catalog.py's environments only: the recipe's update leaves them alone.
    snapshots = chain.project / "tests" / "__snapshots__" / "test_snapshots"
    assert not list(snapshots.glob("*qa*"))
