"""What the suite keeps in build/test-cache/ (tests/memo.py) is reused only for the very same inputs."""

from __future__ import annotations

import stat

import pytest

from . import memo
from .conftest import REPO, SECOND_SHARD

TOOL = """#!/bin/sh
echo ran >> "{counter}"
cat "$1"
exit {code}
"""


@pytest.fixture
def records(tmp_path, monkeypatch):
    monkeypatch.setattr(memo, "ENABLED", True)
    monkeypatch.setattr(memo, "TOOLS", tmp_path / "cache" / "tools")
    monkeypatch.setattr(memo, "SCENARIOS", tmp_path / "cache" / "scenarios")
    return tmp_path / "cache"


def tool(folder, code: int = 0):
    """A tool that counts its runs in ``runs`` and prints the file it is given."""
    path, counter = folder / "tool", folder / "runs"
    path.write_text(TOOL.format(counter=counter, code=code))
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    memo.identity.cache_clear()
    return path, (lambda: len(counter.read_text().splitlines()) if counter.exists() else 0)


def test_a_success_is_reused_for_the_same_bytes_wherever_they_are(records, tmp_path):
    program, runs = tool(tmp_path)
    first, second = tmp_path / "a.yaml", tmp_path / "b.yaml"
    first.write_text("same\n")
    second.write_text("same\n")
    assert memo.run_tool([str(program), str(first)], reads=[first]) == memo.ToolResult(0, "same\n", "")
    reused = memo.run_tool([str(program), str(second)], reads=[second])
    assert (reused.stdout, reused.reused, runs()) == ("same\n", True, 1)


def test_other_bytes_or_another_tool_run_again(records, tmp_path):
    program, runs = tool(tmp_path)
    source = tmp_path / "rules.yaml"
    source.write_text("one\n")
    memo.run_tool([str(program), str(source)], reads=[source])
    source.write_text("two\n")
    assert memo.run_tool([str(program), str(source)], reads=[source]).stdout == "two\n"
    program.write_text(program.read_text() + "# upgraded\n")  # another size: another tool
    memo.identity.cache_clear()
    assert not memo.run_tool([str(program), str(source)], reads=[source]).reused
    assert runs() == 3


def test_a_failure_is_never_kept(records, tmp_path):
    program, runs = tool(tmp_path, code=1)
    source = tmp_path / "tests.yaml"
    source.write_text("x\n")
    for _ in range(2):
        assert memo.run_tool([str(program), str(source)], reads=[source]).returncode == 1
    assert runs() == 2
    assert not list(records.rglob("*.json"))


def test_nothing_is_read_or_written_when_off(records, tmp_path, monkeypatch):
    program, runs = tool(tmp_path)
    source = tmp_path / "x.yaml"
    source.write_text("x\n")
    memo.run_tool([str(program), str(source)], reads=[source])
    monkeypatch.setattr(memo, "ENABLED", False)
    memo.run_tool([str(program), str(source)], reads=[source])
    memo.remember_scenarios({"tests/test_x.py::test_y"})
    assert runs() == 2
    assert not (records / "scenarios").exists()


def test_the_fingerprint_is_every_input_of_a_copy_and_nothing_else(tmp_path, monkeypatch):
    monkeypatch.setattr(memo, "REPO", tmp_path)
    (tmp_path / "gorax_constructs").mkdir()
    (tmp_path / "gorax_constructs" / "parts.py").write_text("A = 1\n")
    fingerprint = memo.fingerprint.__wrapped__
    before = fingerprint()
    for ignored in ("build", "__pycache__", ".ruff_cache", ".git"):
        (tmp_path / ignored).mkdir()
        (tmp_path / ignored / "file").write_text("whatever")
    assert fingerprint() == before
    (tmp_path / "gorax_constructs" / "parts.py").write_text("A = 2\n")
    changed = fingerprint()
    assert changed != before
    (tmp_path / "previews.yaml").write_text("previews: []\n")
    assert fingerprint() != changed
    monkeypatch.setenv("GORAX_PREVIEWS_FILE", "/elsewhere.yaml")
    assert fingerprint() != changed


def test_a_module_is_skipped_only_when_every_scenario_of_it_passed():
    modules = {"a.py": ["a.py::one", "a.py::two"], "b.py": ["b.py::one"]}
    assert memo.reusable(modules, {"a.py::one", "b.py::one"}) == {"b.py::one"}
    assert memo.reusable(modules, {"a.py::one", "a.py::two"}) == {"a.py::one", "a.py::two"}
    assert memo.reusable(modules, set()) == set()


def test_records_of_a_fingerprint_add_up(records, monkeypatch):
    monkeypatch.setattr(memo, "fingerprint", lambda: "f" * 64)
    memo.remember_scenarios({"a.py::one"})
    memo.remember_scenarios({"a.py::two"})
    assert memo.passed_scenarios() == {"a.py::one", "a.py::two"}
    monkeypatch.setattr(memo, "fingerprint", lambda: "0" * 64)
    assert memo.passed_scenarios() == set()


def test_every_module_of_the_second_shard_exists():
    assert {p.name for p in (REPO / "tests").glob("test_*.py")} >= SECOND_SHARD
