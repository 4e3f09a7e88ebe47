"""The README and docs/ are tested: their tables list what the repository and the parts hold, and the recipe's
block applies. The recipe itself runs as written in tests/test_routine_changes.py."""

import fnmatch
import re
import subprocess

from .end_to_end import README, REPO, apply_block, recipe_blocks

CONFIGURATION = REPO / "docs" / "configuration.md"


def table(page, heading: str) -> list[list[str]]:
    """The rows (cells) of the first table after ``heading`` in ``page``."""
    section = page.read_text().split(f"\n{heading}\n", 1)[1]
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
    listed = {path.split("/", 1)[0] for row in table(README, "## Layout") for path in re.findall(r"`([^`]+)`", row[0])}
    assert top_level_entries() - listed == set()


def test_network_policy_table_lists_every_policy_the_parts_emit(
    fixture_synthesized, options_synthesized, gateway_synthesized
):
    """Every policy of the project's parts, in every option and edge mode (an extension's are its own business)."""
    outputs = [*fixture_synthesized.values(), *options_synthesized.values(), *gateway_synthesized.values()]
    names = {
        policy["metadata"]["name"].removeprefix(f"{output.env.prefix}-gorax-")
        for output in outputs
        for policy in output.of_kind("NetworkPolicy")
    }
    rows = {re.match(r"`([^`]+)`", row[0]).group(1) for row in table(CONFIGURATION, "## Network policies")}
    assert names and names - rows == set()


def test_recipe_block_applies_to_environments_py():
    """The recipe's block replaces ENVIRONMENTS and adds QA before it (checked without running anything)."""
    python, commands = recipe_blocks()
    source = (REPO / "gorax_constructs" / "environments.py").read_text()
    applied = apply_block(source, python)
    assert applied.index("QA = replace(") < applied.index("ENVIRONMENTS: tuple[EnvironmentConfig, ...] = (")
    assert applied.count("ENVIRONMENTS: tuple") == 1
    assert commands[-1] == "make test"
